package mailparse

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/casemail/casemail/support"
)

// notePanic marks a message whose parse hit a bug in this package. The fuzz
// tests fail when they see it.
const notePanic = "internal parser error; message quarantined"

// Parse reads a raw RFC 5322 message. It never panics and always returns a
// non-nil Message; Direction, Seq, Case and Envelope are left for the caller.
// The error is non-nil only when the message must be quarantined:
// errors.Is(err, ErrLimit) when its MIME structure goes beyond lim (the
// headers are still parsed), errors.Is(err, ErrUnparseable) when it has no
// usable header block. Everything else that is broken is tolerated and
// described in Message.Notes. Zero fields of lim take DefaultLimits.
func Parse(raw []byte, lim Limits) (m *support.Message, err error) {
	m = &support.Message{RawSize: int64(len(raw))}
	defer func() {
		// The daemon must survive any mail. A panic here is a bug; the
		// message goes to quarantine, where it can be replayed once fixed.
		if r := recover(); r != nil {
			m.Notes = append(m.Notes, notePanic)
			err = fmt.Errorf("%w: %s: %v", ErrUnparseable, notePanic, r)
		}
	}()
	lim = lim.orDefault()
	b := normalizeNewlines(raw)
	h, body, junk, ok := readTopHeader(b)
	if !ok {
		m.Notes = append(m.Notes, "no mail header found")
		return m, ErrUnparseable
	}
	w := &walker{lim: lim, parts: 1}
	if junk > 0 {
		w.note("%d malformed header line(s) skipped or joined", junk)
	}
	root := newEntity(h, body, "text/plain")
	w.hint = charsetHint(root)
	fillHeaders(m, h, w)
	texts := w.walk(root, 0)
	fillText(m, texts)
	m.Attachments = w.atts
	m.Notes = append(m.Notes, w.notes...)
	if w.limitErr != "" {
		m.Notes = append(m.Notes, "MIME structure cut off: "+w.limitErr)
		return m, fmt.Errorf("%w: %s", ErrLimit, w.limitErr)
	}
	return m, nil
}

var reCharsetParam = regexp.MustCompile(`(?i)charset\s*=\s*"?([a-z0-9_.:-]+)`)

// charsetHint guesses the charset of raw 8-bit header bytes: clients that
// write them use the charset of their text part.
func charsetHint(root *entity) string {
	if cs := root.params["charset"]; cs != "" {
		return cs
	}
	b := root.body
	if len(b) > 65536 {
		b = b[:65536]
	}
	// The regexp costs a scan of up to 64 KiB per message; most bodies do
	// not mention a charset at all.
	if !bytes.Contains(b, []byte("harset")) && !bytes.Contains(b, []byte("HARSET")) {
		return ""
	}
	if m := reCharsetParam.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// fillHeaders sets the header-derived fields of m.
func fillHeaders(m *support.Message, h header, w *walker) {
	// Every string leaves here valid UTF-8, so it survives the store's
	// JSON unchanged; ids and raw values with stray 8-bit bytes are read as
	// windows-1252, as consistently as any other reading.
	raw := func(name string) string { return fix8bit(h.get(name), "") }
	if ids := parseIDs(raw("Message-ID")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = parseIDs(raw("In-Reply-To"))
	m.References = parseIDs(raw("References"))

	addrs := func(name string) []support.Address {
		var all []support.Address
		for _, f := range h {
			if !strings.EqualFold(f.name, name) {
				continue
			}
			list, bad := parseAddressList(f.value, w.hint)
			if bad > 0 {
				w.note("%s: %d element(s) not an address, skipped", name, bad)
			}
			all = append(all, list...)
		}
		return all
	}
	m.From = bestAddress(addrs("From"))
	m.Sender = bestAddress(addrs("Sender"))
	m.To = addrs("To")
	m.Cc = addrs("Cc")
	m.ReplyTo = addrs("Reply-To")
	switch {
	case m.From.Address != "":
	case m.Sender.Address != "":
		m.From = m.Sender // RFC 5322 section 3.6.2: the Sender sent it
		w.note("no From address; Sender used")
	case len(m.ReplyTo) > 0:
		// Spam and some scripts omit From; Reply-To is where an answer
		// goes, so it is the customer the case has (Zammad does the same).
		m.From = bestAddress(m.ReplyTo)
		w.note("no From or Sender address; Reply-To used")
	}

	m.Subject = cleanSubject(decodeHeader(h.get("Subject"), w.hint))
	if v := h.get("Date"); v != "" {
		if t, ok := parseDate(v); ok {
			m.Date = t
		} else {
			w.note("unreadable Date %s", quoteShort(v))
		}
	}
	m.Auto = support.AutoHeaders{
		AutoSubmitted:         raw("Auto-Submitted"),
		Precedence:            raw("Precedence"),
		ListID:                decodeHeader(h.get("List-Id"), w.hint),
		XAutoResponseSuppress: raw("X-Auto-Response-Suppress"),
		Loop:                  raw("X-Casemail-Loop"),
	}
	m.Language = firstLanguage(raw("Content-Language"))
	if m.Language == "" {
		// Outlook and Exchange state the writer's language here instead.
		m.Language = firstLanguage(raw("Accept-Language"))
	}
	// Outlook's conversation index: base64 only, so anything else is junk
	// we must not carry into our replies' headers.
	if ti := strings.TrimSpace(raw("Thread-Index")); len(ti) <= 4096 && isBase64(ti) {
		m.ThreadIndex = ti
	}
}

func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return s != ""
}

// bestAddress picks the first real address: a From of "[??????]" followed
// by a second From with a mailbox (Zammad's mail017) means the mailbox.
func bestAddress(list []support.Address) support.Address {
	for _, a := range list {
		if strings.Contains(a.Address, "@") {
			return a
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return support.Address{}
}

// cleanSubject turns tabs and line breaks left by folding into spaces.
func cleanSubject(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// fillText sets Text, NewText, HTML and Language from the text candidates.
// Plain text wins wherever it is; HTML is converted only when there is none.
func fillText(m *support.Message, texts []bodyText) {
	var plain, html []bodyText
	for _, t := range texts {
		if t.html {
			html = append(html, t)
		} else if strings.TrimSpace(t.text) != "" {
			plain = append(plain, t)
		}
	}
	chosen := plain
	if len(plain) == 0 && len(html) > 0 {
		chosen = html
		m.HTML = true
	}
	var parts []string
	for _, t := range chosen {
		s := t.text
		if t.html {
			s = HTMLToText(s)
		}
		if s = strings.TrimRight(s, "\n \t"); s != "" {
			parts = append(parts, s)
		}
		if m.Language == "" {
			m.Language = t.lang
		}
	}
	m.Text = strings.Join(parts, "\n\n")
	m.NewText = StripReply(m.Text)
}
