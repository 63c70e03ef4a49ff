package bounce

import (
	"bytes"
	"mime"
	"strings"

	"github.com/casemail/casemail/mailparse"
	"golang.org/x/text/encoding/htmlindex"
)

// Limits on the work Classify does for one message. Bounces are small; the
// returned message they carry may not be, and only its headers matter here,
// so cutting the input short loses nothing Classify needs.
const (
	maxInput  = 2 << 20 // bytes of the raw message looked at
	maxParts  = 64      // MIME entities parsed, the top level included
	maxDepth  = 6       // nesting of multiparts and message/rfc822
	maxFields = 500     // header fields kept per entity
	maxText   = 64 << 10
)

// field is one header field; name is lower-case, value is unfolded.
type field struct{ name, value string }

type header []field

// get returns the first value of the named field, or "".
func (h header) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// has reports whether the named field is present, even if empty.
func (h header) has(name string) bool {
	for _, f := range h {
		if f.name == name {
			return true
		}
	}
	return false
}

// entity is one MIME entity. body is already decoded from its transfer
// encoding; a multipart keeps its parts and a message/rfc822 (or
// text/rfc822-headers) keeps the message it wraps in inner.
type entity struct {
	h         header
	mediaType string
	params    map[string]string
	body      []byte
	parts     []*entity
	inner     *entity
}

// normalize turns CRLF and bare CR into LF, so every later step deals with
// one kind of line end (sisimai ships the same mail with all three).
func normalize(raw []byte) []byte {
	if bytes.IndexByte(raw, '\r') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			if i+1 < len(raw) && raw[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		out = append(out, c)
	}
	return out
}

// splitHeader separates the header block from the body. A leading mbox
// "From " line is skipped. A first line that is not a header field means
// there is no header at all.
func splitHeader(b []byte) (header, []byte) {
	if bytes.HasPrefix(b, []byte("From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	var h header
	var cur []byte
	flush := func() {
		if len(cur) == 0 {
			return
		}
		if i := bytes.IndexByte(cur, ':'); i > 0 && len(h) < maxFields {
			name := strings.ToLower(strings.TrimSpace(string(cur[:i])))
			h = append(h, field{name, strings.TrimSpace(string(cur[i+1:]))})
		}
		cur = cur[:0]
	}
	for len(b) > 0 {
		line := b
		rest := []byte(nil)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, rest = b[:i], b[i+1:]
		}
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			return h, rest
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 && len(cur) == 0 {
				return h, b
			}
			cur = append(cur, ' ')
			cur = append(cur, bytes.TrimSpace(line)...)
		} else {
			if !isFieldLine(line) {
				flush()
				if len(h) == 0 {
					return nil, b
				}
				return h, b
			}
			flush()
			cur = append(cur[:0], line...)
		}
		b = rest
	}
	flush()
	return h, nil
}

// isFieldLine reports whether line starts with a field name and a colon.
func isFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 76 {
		return false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// parser carries the budget shared by every entity of one message.
type parser struct{ parts int }

func (p *parser) parse(b []byte, depth int) *entity {
	p.parts++
	h, body := splitHeader(b)
	e := &entity{h: h}
	e.mediaType, e.params = mediaType(h.get("content-type"))
	e.body = mailparse.DecodeTransfer(h.get("content-transfer-encoding"), body)
	if depth >= maxDepth || p.parts >= maxParts {
		return e
	}
	switch {
	case strings.HasPrefix(e.mediaType, "multipart/"):
		for _, pb := range splitMultipart(e.body, e.params["boundary"]) {
			if p.parts >= maxParts {
				break
			}
			e.parts = append(e.parts, p.parse(pb, depth+1))
		}
	case e.mediaType == "message/rfc822", e.mediaType == "message/global",
		e.mediaType == "message/rfc822-headers":
		e.inner = p.parse(e.body, depth+1)
	case e.mediaType == "text/rfc822-headers", e.mediaType == "message/global-headers":
		p.parts++
		ih, _ := splitHeader(e.body)
		e.inner = &entity{h: ih}
	}
	return e
}

// mediaType parses Content-Type leniently: the standard parser first, then
// a plain scan, since bounces are often written by careless software.
func mediaType(v string) (string, map[string]string) {
	if v == "" {
		return "text/plain", map[string]string{}
	}
	if mt, params, err := mime.ParseMediaType(v); err == nil {
		return mt, params
	}
	params := map[string]string{}
	parts := strings.Split(v, ";")
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"'`)
	}
	return strings.ToLower(strings.TrimSpace(parts[0])), params
}

// splitMultipart cuts a multipart body at its boundary lines. Without a
// boundary, or when none is found, there are no parts.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for pos := 0; pos < len(body); {
		end := bytes.IndexByte(body[pos:], '\n')
		line := body[pos:]
		next := len(body)
		if end >= 0 {
			line = body[pos : pos+end]
			next = pos + end + 1
		}
		if bytes.HasPrefix(line, delim) {
			tail := bytes.TrimSpace(line[len(delim):])
			if len(tail) == 0 || bytes.Equal(tail, []byte("--")) {
				if start >= 0 {
					parts = append(parts, body[start:pos])
				}
				if len(tail) > 0 {
					return parts
				}
				start = next
				if len(parts) >= maxParts {
					return parts
				}
			}
		}
		pos = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts
}

// decodeText turns a text body into UTF-8. An unknown charset leaves the
// bytes alone: addresses and status codes are ASCII in every charset that
// matters here, ISO-2022-JP included.
func decodeText(b []byte, charset string) string {
	cs := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return string(b)
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return string(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}
