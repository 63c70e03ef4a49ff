package mailauth

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// field is one header field, unfolded, in the order it appears.
type field struct{ name, value string }

// maxHeaderBytes bounds how much of a message is read as header. Real
// headers are a few kilobytes; From and Authentication-Results sit on top.
const maxHeaderBytes = 1 << 20

// header is the header block split into fields, with what reading it costs
// go-msgauth's DKIM verifier (see dkimAffordable).
type header struct {
	fields []field
	// size is the length of the header block, more than maxHeaderBytes
	// when it is longer than we read.
	size int
	// foldCost sums, over the fields (and junk lines), continuation lines
	// times length: the verifier unfolds a field by appending each line to
	// a string, copying the field so far every time.
	foldCost int
}

// readHeader splits the header block (RFC 5322 section 2.2) into fields,
// leniently: a line without a colon is skipped instead of ending the
// header. net/mail stops at the first malformed line, which would let a
// sender hide the From header from DMARC behind one bad line while the
// parser that shows the message to people still reads it.
func readHeader(raw []byte) header {
	var h header
	var lines []string // of the field being read; empty after junk
	// The entry being read as the DKIM verifier sees it: every line that
	// is not a continuation starts one, field or junk.
	size, folds := 0, 0
	end := func() {
		if len(lines) > 0 {
			h.fields[len(h.fields)-1].value = strings.Join(lines, " ")
		}
		h.foldCost += folds * size
		lines, size, folds = lines[:0], 0, 0
	}
	rest := raw
	if len(rest) > maxHeaderBytes {
		rest = rest[:maxHeaderBytes]
	}
	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		n := len(line) + 1
		h.size += n
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			end()
			return h // the blank line that ends the header
		}
		if (line[0] == ' ' || line[0] == '\t') && h.size > n {
			size += n
			folds++
			if len(lines) > 0 {
				lines = append(lines, strings.TrimSpace(string(line)))
			}
			continue
		}
		end()
		size = n
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || line[0] == ' ' || line[0] == '\t' {
			continue // junk: no field name
		}
		h.fields = append(h.fields, field{name: strings.TrimSpace(string(name))})
		lines = append(lines, strings.TrimSpace(string(value)))
	}
	end()
	if len(raw) > maxHeaderBytes {
		h.size = maxHeaderBytes + 1
	}
	return h
}

// values returns the values of the fields named name, topmost first.
func (h header) values(name string) []string {
	var out []string
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			out = append(out, f.value)
		}
	}
	return out
}

// addressParser decodes any charset in display names as raw bytes: only the
// domain matters here, and net/mail's default decoder rejects every charset
// but UTF-8, US-ASCII and ISO-8859-1, which would lose the From of a
// perfectly good windows-1252 name.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}}

// fromDomain returns the domain of the first readable address in the From
// header (casemail's parser also shows the first mailbox it can read), and
// whether the author is ambiguous: several From fields naming
// different domains, which RFC 7489 section 6.6.1 says to reject rather
// than guess, since a sender could add one and hope a reader picks it.
func fromDomain(h header) (domain string, ambiguous bool) {
	for _, v := range h.values("From") {
		switch d := firstDomain(v); {
		case d == "":
		case domain == "":
			domain = d
		case d != domain:
			ambiguous = true
		}
	}
	return domain, ambiguous
}

// firstDomain returns the normalized domain of the first address in an
// address list, or "" when none can be read. A list net/mail rejects
// ("Smith, John <j@example.com>") is retried element by element, the way
// mail clients and casemail's own parser read it, so that the domain we
// authenticate is the one people are shown.
func firstDomain(v string) string {
	if list, err := addressParser.ParseList(v); err == nil {
		for _, a := range list {
			if d := addrDomain(a.Address); d != "" {
				return d
			}
		}
		return ""
	}
	for _, elem := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		if a, err := addressParser.Parse(elem); err == nil {
			if d := addrDomain(a.Address); d != "" {
				return d
			}
		}
		if i := strings.LastIndexByte(elem, '<'); i >= 0 {
			inner, _, _ := strings.Cut(elem[i+1:], ">")
			if a, err := addressParser.Parse("<" + inner + ">"); err == nil {
				if d := addrDomain(a.Address); d != "" {
					return d
				}
			}
		}
	}
	return ""
}

// addrDomain returns the normalized domain of an addr-spec or a bare
// domain, "" when there is none.
func addrDomain(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return normDomain(addr)
}
