package mailparse

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/casemail/casemail/support"
)

// entity is one MIME entity (RFC 2045 section 2.4): its header, its still
// encoded body, and its parsed Content-Type and Content-Disposition.
type entity struct {
	hdr     header
	body    []byte
	ctype   string // "type/subtype", lower case
	params  map[string]string
	disp    string // "inline", "attachment" or ""
	dparams map[string]string
}

// newEntity parses the MIME fields of h. defType is the type an entity
// without a usable Content-Type has: text/plain, or message/rfc822 inside
// multipart/digest (RFC 2046 section 5.1.5).
func newEntity(h header, body []byte, defType string) *entity {
	e := &entity{hdr: h, body: body}
	e.ctype, e.params = parseParams(h.get("Content-Type"))
	if slash := strings.IndexByte(e.ctype, '/'); slash <= 0 || slash == len(e.ctype)-1 {
		// "text" alone, or garbage: RFC 2045 section 5.2 says plain text.
		e.ctype = defType
	}
	e.disp, e.dparams = parseParams(h.get("Content-Disposition"))
	return e
}

// bodyText is a candidate for the message's text.
type bodyText struct {
	text string
	html bool
	lang string
}

// walker visits the MIME tree depth first, counting entities, and collects
// attachments on the way. It stops at the limits before reading the entity
// that would exceed them, so a bomb costs no more than the limits allow:
// at most MaxParts headers parsed and, since finding where a part ends
// means scanning for its delimiter, at most MaxDepth scans of the input
// (10,000 nested multiparts in 700 KB: 25 ms).
type walker struct {
	lim      Limits
	parts    int
	hint     string // charset for raw 8-bit header bytes
	notes    []string
	atts     []support.Attachment
	limitErr string // why the walk stopped, if it did
}

func (w *walker) note(format string, args ...any) {
	// One note per kind of trouble is enough for an operator; a thousand
	// damaged parts must not make a thousand notes.
	n := fmt.Sprintf(format, args...)
	for _, have := range w.notes {
		if have == n {
			return
		}
	}
	if len(w.notes) < 20 {
		w.notes = append(w.notes, n)
	}
}

// walk returns the text candidates of e in reading order.
func (w *walker) walk(e *entity, depth int) []bodyText {
	if !strings.HasPrefix(e.ctype, "multipart/") {
		return w.leaf(e)
	}
	if depth+1 > w.lim.MaxDepth {
		w.limitErr = fmt.Sprintf("multipart nesting deeper than %d", w.lim.MaxDepth)
		return nil
	}
	boundary := e.params["boundary"]
	it, ok := newPartIter(e.body, boundary)
	if !ok {
		// No delimiter at all: keep what is there as text rather than
		// lose it (RFC 2046 section 5.1.7 says treat unknown as mixed).
		w.note("multipart without a usable boundary; body kept as text")
		e.ctype, e.params = "text/plain", map[string]string{}
		return w.leaf(e)
	}
	if it.boundary != boundary {
		w.note("multipart boundary does not match its Content-Type; guessed from the body")
	}
	defType := "text/plain"
	if e.ctype == "multipart/digest" {
		defType = "message/rfc822"
	}
	var alts [][]bodyText
	var texts []bodyText
	for {
		part, more := it.next()
		if !more {
			break
		}
		if w.parts >= w.lim.MaxParts {
			w.limitErr = fmt.Sprintf("more than %d MIME parts", w.lim.MaxParts)
			return texts
		}
		w.parts++
		h, body, _ := readHeader(part)
		child := w.walk(newEntity(h, body, defType), depth+1)
		if w.limitErr != "" {
			return append(texts, child...)
		}
		if e.ctype == "multipart/alternative" {
			alts = append(alts, child)
		} else {
			texts = append(texts, child...)
		}
	}
	if !it.closed {
		w.note("multipart not closed by its final boundary")
	}
	if e.ctype == "multipart/alternative" {
		return chooseAlternative(alts)
	}
	return texts
}

// chooseAlternative prefers the first alternative with plain text in it, as
// the help desk shows text; else the richest (last, RFC 2046 section
// 5.1.4) with any text. An empty text/plain next to a real HTML part, which
// some web mailers send, does not count.
func chooseAlternative(alts [][]bodyText) []bodyText {
	for _, a := range alts {
		for _, t := range a {
			if !t.html && strings.TrimSpace(t.text) != "" {
				return a
			}
		}
	}
	for i := len(alts) - 1; i >= 0; i-- {
		if len(alts[i]) > 0 {
			return alts[i]
		}
	}
	return nil
}

// partIter yields the body parts of a multipart body (RFC 2046 section
// 5.1.1) one at a time, so the walk can stop before reading the rest.
type partIter struct {
	body     []byte
	boundary string
	pos      int // start of the next part's content
	closed   bool
	done     bool
}

// newPartIter finds the first delimiter. When the declared boundary never
// occurs, the first line that looks like a delimiter is tried instead:
// gateways that rewrite bodies sometimes leave the old boundary behind.
func newPartIter(body []byte, boundary string) (*partIter, bool) {
	if boundary != "" {
		if _, next, closing, ok := findDelim(body, 0, boundary); ok && !closing {
			return &partIter{body: body, boundary: boundary, pos: next}, true
		}
	}
	rest := body
	for i := 0; i < 50 && len(rest) > 0; i++ {
		line, r := nextLine(rest)
		rest = r
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 2 && bytes.HasPrefix(line, []byte("--")) && !bytes.ContainsAny(line, " \t") {
			if h, _, _ := readHeader(rest); len(h) > 0 {
				b := string(line[2:])
				_, next, _, _ := findDelim(body, 0, b)
				return &partIter{body: body, boundary: b, pos: next}, true
			}
		}
	}
	return nil, false
}

// next returns the content of the next part. The line break before a
// delimiter belongs to the delimiter.
func (it *partIter) next() ([]byte, bool) {
	if it.done {
		return nil, false
	}
	start, next, closing, ok := findDelim(it.body, it.pos, it.boundary)
	if !ok {
		// Cut off without a final delimiter: the rest is the last part.
		it.done = true
		return it.body[it.pos:], it.pos < len(it.body)
	}
	part := it.body[it.pos:start]
	part = bytes.TrimSuffix(part, []byte("\n"))
	it.pos = next
	if closing {
		it.done, it.closed = true, true
	}
	return part, true
}

// findDelim finds the next delimiter line "--boundary" or close delimiter
// "--boundary--" at or after from. It returns where the line starts and
// where the line after it starts. Only white space may follow the boundary,
// which keeps "--abc" from matching a nested "--abc_2".
func findDelim(b []byte, from int, boundary string) (start, next int, closing, ok bool) {
	d := []byte("--" + boundary)
	for from < len(b) {
		i := bytes.Index(b[from:], d)
		if i < 0 {
			return 0, 0, false, false
		}
		i += from
		if i == 0 || b[i-1] == '\n' {
			j := i + len(d)
			cl := bytes.HasPrefix(b[j:], []byte("--"))
			if cl {
				j += 2
			}
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') {
				j++
			}
			if j == len(b) || b[j] == '\n' {
				if j < len(b) {
					j++
				}
				return i, j, cl, true
			}
		}
		from = i + 1
	}
	return 0, 0, false, false
}
