package mailparse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// normalizeCharset turns a charset label as mailers write it into a lookup
// key: lower case, no quotes, no RFC 2231 language suffix ("utf-8*en").
func normalizeCharset(cs string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	return strings.TrimSpace(cs)
}

func isUTF8Label(cs string) bool {
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "x-utf_8j", "unicode-1-1-utf-8":
		return true
	}
	return false
}

func isLatinLabel(cs string) bool {
	switch cs {
	case "iso-8859-1", "iso8859-1", "latin1", "iso-8859-15", "latin-9", "windows-1252", "cp1252":
		return true
	}
	return false
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func isUTF7Label(cs string) bool {
	return cs == "utf-7" || cs == "unicode-1-1-utf-7" || cs == "x-unicode-2-0-utf-7" || cs == "csunicode11utf7"
}

// lookupEncoding finds a decoder for a charset label. The WHATWG index goes
// first because it maps labels the way mail clients actually use them:
// iso-8859-1 and us-ascii to windows-1252 (mailers label cp1252 text as
// latin1), gb2312 to GBK, ks_c_5601-1987 to EUC-KR. go-message's charset
// package, which follows the IANA registry, catches the rest.
func lookupEncoding(cs string) encoding.Encoding {
	if cs == "" {
		return nil
	}
	// Then the label with a vendor prefix dropped ("iso-gb2312",
	// "x-windows-1250", "x-mac-..." are all seen).
	for _, c := range []string{cs, strings.TrimPrefix(cs, "x-"), strings.TrimPrefix(cs, "iso-")} {
		if enc, err := htmlindex.Get(c); err == nil && enc != nil {
			return enc
		}
	}
	return nil
}

// decodeCharset converts data in charset cs to UTF-8. It never fails: a
// charset it does not know, or bytes the charset cannot hold, are read as
// UTF-8 where valid and windows-1252 elsewhere, and note says so.
func decodeCharset(data []byte, cs string) (text string, note string) {
	cs = normalizeCharset(cs)
	switch {
	case isUTF8Label(cs):
		if utf8.Valid(data) {
			return string(data), ""
		}
		if cs == "" || strings.Contains(cs, "ascii") {
			// Undeclared 8-bit text is, in practice, Western European.
			return fallbackLatin(data), ""
		}
		return fallbackLatin(data), fmt.Sprintf("text is not valid %s; stray bytes read as windows-1252", cs)
	case isUTF7Label(cs):
		return decodeUTF7(data), ""
	case isLatinLabel(cs) && utf8.Valid(data) && hasNonASCII(data):
		// Web forms and scripts label UTF-8 as latin1. Real latin1 text
		// is almost never valid UTF-8 once it has accents, so valid
		// UTF-8 wins.
		return string(data), ""
	}
	if enc := lookupEncoding(cs); enc != nil {
		if out, err := enc.NewDecoder().Bytes(data); err == nil {
			return string(out), ""
		}
	}
	if r, err := charset.Reader(cs, bytes.NewReader(data)); err == nil {
		if out, err := io.ReadAll(r); err == nil {
			return string(out), ""
		}
	}
	return fallbackLatin(data), fmt.Sprintf("unknown charset %q; read as UTF-8/windows-1252", cs)
}

// fallbackLatin keeps valid UTF-8 sequences and reads every other byte as
// windows-1252, so a header or body that mixes both still reads well.
func fallbackLatin(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			sb.WriteRune(charmap.Windows1252.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// fix8bit turns a raw header value into UTF-8. RFC 5322 headers are ASCII,
// but old clients write 8-bit text in the body's charset (hint), and
// Japanese clients write raw ISO-2022-JP escape sequences.
func fix8bit(s, hint string) string {
	if utf8.ValidString(s) {
		if strings.Contains(s, "\x1b$") || strings.Contains(s, "\x1b(") {
			if t, note := decodeCharset([]byte(s), "iso-2022-jp"); note == "" {
				return t
			}
		}
		return s
	}
	for _, cs := range rawHeaderCharsets(normalizeCharset(hint)) {
		t, note := decodeCharset([]byte(s), cs)
		if note == "" && utf8.ValidString(t) && !strings.ContainsRune(t, utf8.RuneError) {
			return t
		}
	}
	return fallbackLatin([]byte(s))
}

// rawHeaderCharsets lists the charsets to try for raw 8-bit header bytes
// given the body's charset. ISO-2022-JP is 7-bit, so 8-bit bytes in a
// Japanese mail are Shift_JIS or EUC-JP (Zammad's mail093).
func rawHeaderCharsets(hint string) []string {
	switch {
	case hint == "iso-2022-jp":
		return []string{"shift_jis", "euc-jp"}
	case isUTF8Label(hint), isUTF7Label(hint):
		return nil
	}
	return []string{hint}
}

// decodeUTF7 decodes RFC 2152 UTF-7, which the x/text indexes lack and some
// Outlook versions of the 2000s still sent.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && isB64Char(b[j]) {
			j++
		}
		if j == i+1 { // "+-" is a literal plus; a lone "+" is kept
			sb.WriteByte('+')
			if j < len(b) && b[j] == '-' {
				i = j
			}
			continue
		}
		raw, _ := base64.RawStdEncoding.DecodeString(string(b[i+1 : j][:(j-i-1)/4*4+rawTail((j-i-1)%4)]))
		units := make([]uint16, 0, len(raw)/2)
		for k := 0; k+1 < len(raw); k += 2 {
			units = append(units, uint16(raw[k])<<8|uint16(raw[k+1]))
		}
		sb.WriteString(string(utf16.Decode(units)))
		i = j - 1
		if j < len(b) && b[j] == '-' {
			i = j // the '-' ends the shift and is absorbed
		}
	}
	return fallbackLatin([]byte(sb.String())) // 8-bit bytes have no place in UTF-7
}

// rawTail is how many trailing base64 characters form whole bytes: a group
// of 1 cannot, groups of 2 or 3 can.
func rawTail(n int) int {
	if n == 1 {
		return 0
	}
	return n
}

func isB64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
