package mailparse

import (
	"bytes"
	"strings"
)

// field is one header field, its value unfolded but otherwise raw: encoded
// words and 8-bit bytes are decoded only by the code that knows what the
// field holds.
type field struct {
	name  string // as written
	value string
}

type header []field

// get returns the first value of the named field, trimmed, or "".
func (h header) get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return strings.TrimSpace(f.value)
		}
	}
	return ""
}

// has reports whether the named field is present, even if empty.
func (h header) has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

// normalizeNewlines makes every line end in a bare LF, so the rest of the
// package sees one convention. CRLF (the wire form) and LF (mbox, Maildir)
// are common; a lone CR is taken as a line end only when the message uses
// it for its first line break (old Mac files, sisimai's mac/ set), because
// elsewhere it is more likely a stray byte inside a line.
func normalizeNewlines(raw []byte) []byte {
	first := bytes.IndexAny(raw, "\r\n")
	crOnly := first >= 0 && raw[first] == '\r' && (first+1 == len(raw) || raw[first+1] != '\n')
	if !crOnly && bytes.IndexByte(raw, '\r') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\r' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(raw) && raw[i+1] == '\n':
			// CRLF: the LF comes next.
		case crOnly:
			out = append(out, '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// nextLine returns the line at the start of b without its LF, and the rest.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// isFieldLine reports whether line starts a header field: a name of
// printable ASCII without colon (RFC 5322 section 2.2), then optional white
// space (obsolete syntax, section 4.5), then a colon.
func isFieldLine(line []byte) bool {
	_, _, ok := splitField(line)
	return ok
}

func splitField(line []byte) (name, value string, ok bool) {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if j >= len(line) || line[j] != ':' {
		return "", "", false
	}
	return string(line[:i]), string(line[j+1:]), true
}

// readHeader reads a header block from the start of b and returns it with
// the body that follows. A header ends at an empty line; a line that is
// neither a field nor a continuation also ends it and starts the body, as
// Postfix's cleanup does, so that a part with a missing blank line keeps its
// text. Folded lines are unfolded (RFC 5322 section 2.2.3).
func readHeader(b []byte) (header, []byte) {
	var h header
	rest := b
	for len(rest) > 0 {
		line, next := nextLine(rest)
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 && (len(line) == 0 || len(h) == 0) {
			return h, next
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) > 0 {
				h[len(h)-1].value += string(line)
			}
			rest = next
			continue
		}
		name, value, ok := splitField(line)
		if !ok {
			return h, rest
		}
		h = append(h, field{name: name, value: value})
		rest = next
	}
	return h, nil
}

// knownFields are header fields that mark a block of text as a mail
// header. A block without any of them is not a mail, whatever its syntax.
var knownFields = map[string]bool{
	"from": true, "to": true, "cc": true, "subject": true, "date": true,
	"message-id": true, "received": true, "return-path": true, "sender": true,
	"reply-to": true, "mime-version": true, "content-type": true,
	"delivered-to": true, "in-reply-to": true, "references": true,
	"x-mailer": true, "user-agent": true, "content-transfer-encoding": true,
}

func usable(h header) bool {
	for _, f := range h {
		if knownFields[strings.ToLower(f.name)] {
			return true
		}
	}
	return false
}

// maxLeadingJunk is how many lines before the header block are skipped. A
// few mails arrive with a line or two in front of their header (Zammad's
// mail068 starts "---- Original email message ----", mbox files start
// "From sender date"); more than a few means it is not a mail.
const maxLeadingJunk = 4

// readTopHeader reads the message's own header, skipping an mbox "From "
// line and a few junk lines before it. skipped counts the junk lines.
func readTopHeader(b []byte) (h header, body []byte, skipped int, ok bool) {
	rest := b
	if bytes.HasPrefix(rest, []byte("From ")) {
		_, rest = nextLine(rest) // mbox separator, not junk
	}
	for skipped = 0; skipped <= maxLeadingJunk && len(rest) > 0; skipped++ {
		h, body = readHeader(rest)
		if usable(h) {
			return h, body, skipped, true
		}
		_, rest = nextLine(rest)
	}
	return nil, nil, skipped, false
}
