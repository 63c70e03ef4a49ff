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
// the body that follows and the number of malformed lines it tolerated.
// Folded lines are unfolded (RFC 5322 section 2.2.3). The block ends at the
// first empty line. A line that is neither a field nor a continuation is
// taken as a continuation someone forgot to indent when more fields follow
// it (Zammad's mail054 has a base64 tracker header wrapped that way), and
// otherwise as the start of the body, as Postfix's cleanup does, so a part
// that lacks its blank line keeps its text.
func readHeader(b []byte) (h header, body []byte, junk int) {
	// One pass to find where the block ends and its last field line, so
	// that deciding about each malformed line costs nothing.
	lastField := -1
	for pos := 0; pos < len(b); {
		raw, _ := nextLine(b[pos:])
		line := bytes.TrimSuffix(raw, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 && (len(line) == 0 || lastField < 0) {
			break
		}
		if isFieldLine(line) {
			lastField = pos
		}
		pos += len(raw) + 1
	}
	rest, pos := b, 0
	for len(rest) > 0 {
		raw, next := nextLine(rest)
		line := bytes.TrimSuffix(raw, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 && (len(line) == 0 || len(h) == 0) {
			return h, next, junk
		}
		name, value, ok := splitField(line)
		switch {
		case ok:
			h = append(h, field{name: name, value: value})
		case line[0] == ' ' || line[0] == '\t',
			// A parameter list cut after its ';' and continued unindented
			// (Apache James: "Content-Type: multipart/alternative;" then
			// "boundary=...").
			len(h) > 0 && strings.HasSuffix(strings.TrimSpace(h[len(h)-1].value), ";"):
			if len(h) > 0 {
				h[len(h)-1].value += string(line)
			}
		case pos < lastField:
			junk++
			if len(h) > 0 {
				h[len(h)-1].value += " " + string(line)
			}
		default:
			return h, rest, junk
		}
		pos += len(raw) + 1
		rest = next
	}
	return h, nil, junk
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

// readTopHeader reads the message's own header, after a byte order mark,
// blank lines and an mbox "From " line, which tools put in front of mails.
// ok is false when the block holds no field that a mail has: the input is
// not a mail.
func readTopHeader(b []byte) (h header, body []byte, junk int, ok bool) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if bytes.HasPrefix(b, []byte("From ")) {
		_, b = nextLine(b) // mbox separator
	}
	h, body, junk = readHeader(b)
	return h, body, junk, usable(h)
}
