package mailparse

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding (RFC 2045 section 6).
// Both decoders are lenient: damaged base64 yields the bytes that could be
// recovered, and a stray '=' in quoted-printable stays as it is.
func decodeTransfer(cte string, body []byte) (data []byte, note string) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		data, ok := decodeBase64(body)
		if !ok {
			note = "damaged base64 content; decoded what could be"
		}
		return data, note
	case "quoted-printable":
		return decodeQP(body), ""
	case "", "7bit", "8bit", "binary",
		// Spellings seen in the wild (Dovecot's test mails), all meaning
		// "not encoded".
		"7-bit", "7bits", "8-bit", "8bits", "8 bit", "7 bit":
		return body, ""
	case "x-uuencode", "uuencode", "x-uue":
		return decodeUU(body), ""
	default:
		return body, "unknown transfer encoding " + quoteShort(cte) + "; kept as is"
	}
}

// decodeBase64 decodes ignoring everything outside the alphabet (line
// breaks, spaces, junk a gateway added). A '=' ends a quantum, so base64
// blocks that a mailer concatenated still decode. ok is false when bytes had
// to be dropped.
func decodeBase64(b []byte) (out []byte, ok bool) {
	ok = true
	out = make([]byte, 0, len(b)*3/4)
	chunk := make([]byte, 0, 1024)
	flush := func() {
		if len(chunk)%4 == 1 {
			ok = false
			chunk = chunk[:len(chunk)-1]
		}
		n := base64.RawStdEncoding.DecodedLen(len(chunk))
		start := len(out)
		out = append(out, make([]byte, n)...)
		m, err := base64.RawStdEncoding.Decode(out[start:], chunk)
		if err != nil {
			ok = false
		}
		out = out[:start+m]
		chunk = chunk[:0]
	}
	for _, c := range b {
		switch {
		case isB64Char(c):
			chunk = append(chunk, c)
			if len(chunk) == cap(chunk) {
				flush() // whole quanta: cap is a multiple of 4
			}
		case c == '=':
			if len(chunk) > 0 {
				flush()
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			ok = false
		}
	}
	flush()
	return out, ok
}

// decodeUU decodes uuencoded content (the pre-MIME "begin 644 name"
// blocks old Outlook and Pine sent). Lines outside begin/end are skipped.
func decodeUU(b []byte) []byte {
	var out []byte
	in := false
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		line = bytes.TrimRight(line, " \r")
		switch {
		case !in:
			in = bytes.HasPrefix(line, []byte("begin "))
			continue
		case bytes.Equal(line, []byte("end")):
			in = false
			continue
		case len(line) == 0:
			continue
		}
		n := int((line[0] - ' ') & 0x3f) // bytes this line holds
		data := line[1:]
		for i := 0; n > 0 && i < len(data); i += 4 {
			var g [4]byte
			for k := 0; k < 4 && i+k < len(data); k++ {
				g[k] = (data[i+k] - ' ') & 0x3f
			}
			three := [3]byte{g[0]<<2 | g[1]>>4, g[1]<<4 | g[2]>>2, g[2]<<6 | g[3]}
			take := min(n, 3)
			out = append(out, three[:take]...)
			n -= take
		}
	}
	return out
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7): trailing white
// space is dropped, "=" at a line end joins lines, "=XX" is a byte, and any
// other '=' is kept literally, as the RFC advises for robustness.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line, rest := nextLine(b)
		hadNL := len(line) < len(b)
		line = bytes.TrimRight(line, " \t\r")
		soft := false
		if n := len(line); n > 0 && line[n-1] == '=' {
			soft = true
			line = line[:n-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if hadNL && !soft {
			out = append(out, '\n')
		}
		b = rest
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeHeader turns a raw unstructured header value into text.
func decodeHeader(v, hint string) string {
	return decodeWords(v, hint)
}

// decodeWords decodes RFC 2047 encoded words, and raw 8-bit bytes between
// them with fix8bit and the charset hint. Unlike mime.WordDecoder it joins
// adjacent words of one charset before converting them, because mailers
// split multi-byte characters across words; it accepts words glued to text
// ("Re:=?utf-8?...") and unknown charsets, which it reads as UTF-8 or
// windows-1252 instead of giving up on the whole header. Raw 8-bit bytes
// inside a word are taken in the word's charset (stalwart's legacy set has
// "=?iso-8859-1?Q?Fr\xf6sche?=").
func decodeWords(s, hint string) string {
	if !strings.Contains(s, "=?") {
		return fix8bit(s, hint)
	}
	var sb strings.Builder
	var pending []byte
	pendingCS := ""
	flush := func() {
		if len(pending) > 0 {
			t, _ := decodeCharset(pending, pendingCS)
			sb.WriteString(t)
		}
		pending, pendingCS = pending[:0], ""
	}
	afterWord := false
	for {
		j := strings.Index(s, "=?")
		if j < 0 {
			break
		}
		cs, data, n, ok := parseWord(s[j:])
		if !ok {
			flush()
			sb.WriteString(fix8bit(s[:j+2], hint))
			s = s[j+2:]
			afterWord = false
			continue
		}
		// White space between two encoded words is not text (section 6.2).
		if between := s[:j]; !(afterWord && strings.TrimSpace(between) == "") {
			flush()
			sb.WriteString(fix8bit(between, hint))
		}
		if cs != pendingCS {
			flush()
			pendingCS = cs
		}
		pending = append(pending, data...)
		s = s[j+n:]
		afterWord = true
	}
	flush()
	sb.WriteString(fix8bit(s, hint))
	return sb.String()
}

// parseWord parses "=?charset?enc?text?=" at the start of s.
func parseWord(s string) (cs string, data []byte, n int, ok bool) {
	q1 := strings.IndexByte(s[2:], '?')
	if q1 < 0 || q1 > 64 {
		return "", nil, 0, false
	}
	q1 += 2
	if len(s) < q1+3 || s[q1+2] != '?' {
		return "", nil, 0, false
	}
	enc := s[q1+1] | 0x20
	end := strings.Index(s[q1+3:], "?=")
	if end < 0 || (enc != 'b' && enc != 'q') {
		return "", nil, 0, false
	}
	text := s[q1+3 : q1+3+end]
	cs = normalizeCharset(s[2:q1])
	if enc == 'b' {
		data, _ = decodeBase64([]byte(text))
	} else {
		data = decodeQWord(text)
	}
	return cs, data, q1 + 3 + end + 2, true
}

// decodeQWord decodes the Q encoding of RFC 2047 section 4.2.
func decodeQWord(t string) []byte {
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]):
			out = append(out, unhex(t[i+1])<<4|unhex(t[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// quoteShort quotes s for a note, cut so that a hostile header cannot fill
// the notes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}
