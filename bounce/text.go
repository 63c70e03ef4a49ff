package bounce

import (
	"html"
	"regexp"
	"strings"
)

// readable returns the text a person would read in e: its text/plain
// parts (text/html turned into text when an alternative has no plain
// part), not descending into returned messages. It is capped at maxText.
func readable(e *entity) string {
	var b strings.Builder
	var add func(e *entity, top bool)
	add = func(e *entity, top bool) {
		if b.Len() >= maxText || e.inner != nil {
			return
		}
		if len(e.parts) > 0 {
			parts := e.parts
			if e.mediaType == "multipart/alternative" {
				parts = preferPlain(parts)
			}
			for _, p := range parts {
				add(p, false)
			}
			return
		}
		mt, body := e.mediaType, e.body
		if len(body) > 4*maxText {
			body = body[:4*maxText] // the rest would be cut anyway
		}
		switch {
		case mt == "text/html":
			b.WriteString(htmlText(decodeText(body, e.params["charset"])))
		case strings.HasPrefix(mt, "text/") || top || strings.HasPrefix(mt, "multipart/"):
			// A top-level body with an odd or broken type is still the
			// text of the bounce.
			t := decodeText(body, e.params["charset"])
			if looksHTML(t) {
				t = htmlText(t)
			}
			b.WriteString(t)
		default:
			return
		}
		b.WriteString("\n")
	}
	add(e, true)
	s := b.String()
	if len(s) > maxText {
		s = s[:maxText]
	}
	return s
}

// preferPlain keeps the text/plain alternatives when there are any.
func preferPlain(parts []*entity) []*entity {
	for _, p := range parts {
		if p.mediaType == "text/plain" {
			return []*entity{p}
		}
	}
	return parts
}

func looksHTML(s string) bool {
	head := strings.ToLower(s[:min(len(s), 2048)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<body") ||
		strings.Contains(head, "<br") && strings.Contains(head, "</")
}

var (
	htmlDropRE  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlBreakRE = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h\d|/table|p|div|tr|li)\b[^>]*>`)
	htmlTagRE   = regexp.MustCompile(`<[^>]*>`)
)

// htmlText turns HTML into text good enough to find addresses and codes
// in: tags become nothing or line breaks, entities are decoded. Exim and
// others now bounce in HTML only.
func htmlText(s string) string {
	s = htmlDropRE.ReplaceAllString(s, "")
	s = htmlBreakRE.ReplaceAllString(s, "\n")
	s = htmlTagRE.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// errorText is the part of the bounce that explains the failure: its text
// up to where the returned message starts.
func (m *message) errorText() string {
	if m.errText == nil {
		t := cutReturned(m.fullText())
		m.errText = &t
	}
	return *m.errText
}

// fullText is the whole readable text, returned message included when it
// is inline.
func (m *message) fullText() string {
	if m.text == nil {
		t := readable(m.root)
		m.text = &t
	}
	return *m.text
}

// returnedMarkers start the copy of the returned message in the text of a
// bounce, in the words of the mail systems that write them.
var returnedMarkers = []string{
	"this is a copy of the message",
	"below this line is a copy of the message",
	"a copy of the original message below",
	"original message follows",
	"original message headers",
	"original message header",
	"----- original message -----",
	"------ original message ------",
	"message headers follow",
	"headers of the original message",
	"----- unsent message follows -----",
	"----- message header follows -----",
	"----- original message follows -----",
	"returned message follows",
	"------- returned message --------",
	"the header of the original message",
	"header of the returned message",
	"your message reads (in part)",
	"--- the header of the original message is following. ---",
	"----- the following is the original message -----",
	"original message:",
	"copy of the message header",
	"included is a copy",
}

// cutReturned cuts text where the copy of the returned message begins:
// at a marker line, or at a block of header fields that starts a message.
func cutReturned(text string) string {
	lower := lowerASCII(text)
	cut := len(text)
	for _, mk := range returnedMarkers {
		if i := strings.Index(lower, mk); i >= 0 && i < cut {
			cut = lineStart(text, i)
		}
	}
	if i := headerBlock(text[:cut]); i >= 0 {
		cut = i
	}
	return text[:cut]
}

func lineStart(s string, i int) int {
	return strings.LastIndexByte(s[:i], '\n') + 1
}

var headerLineRE = regexp.MustCompile(`(?m)^(?i:received|return-path|message-id|dkim-signature|mime-version|x-[a-z0-9-]+|date|from|to|subject|content-type|reply-to|delivered-to|authentication-results|arc-seal):`)

// headerBlock finds where a quoted message header starts: three header
// fields in a row, one of them a trace or Message-ID field, which the
// prose of a bounce never has.
func headerBlock(text string) int {
	locs := headerLineRE.FindAllStringIndex(text, 200)
	for i := 0; i+2 < len(locs); i++ {
		a, c := locs[i][0], locs[i+2][0]
		if c-a > 2000 || !onlyFieldsBetween(text[a:c]) {
			continue
		}
		block := strings.ToLower(text[a:min(len(text), c+20)])
		if strings.Contains(block, "received:") || strings.Contains(block, "message-id:") ||
			strings.Contains(block, "return-path:") || strings.Contains(block, "mime-version:") {
			return a
		}
	}
	return -1
}

// onlyFieldsBetween reports whether every line of s is a field or a
// continuation, so the three fields belong to one header block.
func onlyFieldsBetween(s string) bool {
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if line == "" {
			return false
		}
		if line[0] != ' ' && line[0] != '\t' && !isFieldLine([]byte(line)) {
			return false
		}
	}
	return true
}

var quotedIDRE = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*(<[^>\n]+>|[^\s<>]+@[^\s<>]+)`)

// quotedMessageID finds the Message-ID among the headers that a plain-text
// bounce quotes from the returned message.
func quotedMessageID(m *message) string {
	full := m.fullText()
	start := len(m.errorText())
	if start > len(full) {
		start = 0
	}
	for _, s := range []string{full[start:], full} {
		if sm := quotedIDRE.FindStringSubmatch(s); sm != nil {
			return firstMsgID(sm[1])
		}
	}
	return ""
}

var replyStatusRE = regexp.MustCompile(`\b[245][0-5][0-9][ -]'?#?([245]\.[0-9]{1,3}\.[0-9]{1,3})\b`)

var statusRE = regexp.MustCompile(`(?:^|[^0-9.])([245]\.[0-9]{1,3}\.[0-9]{1,3})`)

// findStatus returns the first RFC 3463 enhanced status code in s. A
// number that runs on into more dotted digits is part of an IP address or
// a version and is skipped.
func findStatus(s string) string {
	// The code a server gives right after its reply code is its own;
	// others in the text may be a relay's commentary.
	if sm := replyStatusRE.FindStringSubmatch(s); sm != nil {
		return sm[1]
	}
	for _, sm := range statusRE.FindAllStringSubmatchIndex(s, 32) {
		end := sm[3]
		if end < len(s) && (s[end] >= '0' && s[end] <= '9' ||
			s[end] == '.' && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9') {
			continue
		}
		return s[sm[2]:sm[3]]
	}
	return ""
}

var codeRE = regexp.MustCompile(`(?:^|[^0-9A-Za-z.:/#-])([245][0-5][0-9])(?:[ \t\n-]|$)`)

// findCode returns the first SMTP reply code in s, or 0.
func findCode(s string) int {
	for _, sm := range codeRE.FindAllStringSubmatchIndex(s, 32) {
		c := s[sm[2]:sm[3]]
		n := int(c[0]-'0')*100 + int(c[1]-'0')*10 + int(c[2]-'0')
		// A size, a count or a duration is not a reply code.
		rest := strings.ToLower(strings.TrimSpace(s[sm[3]:min(len(s), sm[3]+12)]))
		before := strings.ToLower(s[max(0, sm[2]-24):sm[2]])
		if containsAny(rest, []string{"bytes", "kb", "days", "hours", "minutes", "lines"}) ||
			containsAny(before, []string{"bytes", "size", "lines", "number of", "port ", " id ", " id:"}) {
			continue
		}
		return n
	}
	return 0
}

// textAbout returns what the text of a bounce says about addr: from the
// line that first names it to the line that names one of the others, at
// most a few lines.
func textAbout(text, addr string, others []string) string {
	lower := lowerASCII(text)
	i := strings.Index(lower, addr)
	if i < 0 {
		return ""
	}
	start, end := lineStart(text, i), min(len(text), i+800)
	for _, o := range others {
		if o == addr || o == "" {
			continue
		}
		if j := strings.Index(lower[i+len(addr):end], o); j >= 0 {
			end = max(lineStart(text, i+len(addr)+j), i+len(addr))
		}
	}
	return text[start:end]
}

// lowerASCII lower-cases A-Z only, so offsets into the result are offsets
// into s (strings.ToLower may change the length of non-ASCII text).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
