package notify

import (
	"bytes"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/casemail/casemail/support"
)

var (
	composeMadrid = mustLoadLocation("Europe/Madrid")
	// composeDate is a Saturday: the acknowledgement's next window opens
	// on Monday 30 November 2026.
	composeDate     = time.Date(2026, 11, 28, 10, 0, 0, 0, composeMadrid)
	composeNextOpen = time.Date(2026, 11, 30, 9, 0, 0, 0, composeMadrid)
)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func newTestComposer(t *testing.T) *Composer {
	t.Helper()
	c, err := NewComposer(Options{SupportName: "Example Support", SupportAddress: "support@example.com", DefaultLanguage: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// composeResponse is an agent's answer to the customer's second message.
func composeResponse() *Letter {
	return &Letter{
		Kind:        LetterResponse,
		CaseNumber:  1041,
		CaseSubject: "Website down since 10:00",
		To:          support.Address{Name: "Sam Carter", Address: "sam@customer.example"},
		Language:    "en",
		MessageID:   "case-1041.3@example.com",
		InReplyTo:   "second@customer.example",
		References:  []string{"first@customer.example", "case-1041.1@example.com", "second@customer.example"},
		ReplyTo:     "support+tok1041@example.com",
		Agent:       &support.Address{Name: "Laura Gómez", Address: "laura@staff.example"},
		Text:        "Hello Sam,\r\n\r\nthe site is back.\r\nThe cause was a full disk.",
	}
}

// composedMessage is a composed letter read back by the two parsers a
// recipient is likely to use.
type composedMessage struct {
	raw  []byte
	hdr  netmail.Header // net/mail: the raw, unfolded fields
	text string         // go-message: the decoded text/plain part
	html string         // go-message: the decoded text/html part
}

// decoded returns field k with RFC 2047 words decoded.
func (m composedMessage) decoded(t *testing.T, k string) string {
	t.Helper()
	v, err := new(mime.WordDecoder).DecodeHeader(m.hdr.Get(k))
	if err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	return v
}

func composeAndParse(t *testing.T, c *Composer, l *Letter) composedMessage {
	t.Helper()
	raw, err := c.Compose(l, composeDate)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	return parseComposed(t, raw)
}

func parseComposed(t *testing.T, raw []byte) composedMessage {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) ||
		bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Fatalf("bare CR or LF in the message:\n%s", raw)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets, over RFC 5322's 998", i+1, len(line))
		}
	}
	nm, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, raw)
	}
	m := composedMessage{raw: raw, hdr: nm.Header}
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message: %v", err)
	}
	if ct, _, _ := mr.Header.ContentType(); ct != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative", ct)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("go-message part: %v", err)
		}
		ih, ok := p.Header.(*gomail.InlineHeader)
		if !ok {
			t.Fatalf("part is not inline: %T", p.Header)
		}
		ct, params, _ := ih.ContentType()
		if params["charset"] != "utf-8" || ih.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("%s part: charset %q, encoding %q", ct, params["charset"], ih.Get("Content-Transfer-Encoding"))
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch ct {
		case "text/plain":
			if m.html != "" {
				t.Error("text/plain after text/html: RFC 2046 puts the preferred part last")
			}
			m.text = string(body)
		case "text/html":
			m.html = string(body)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if m.text == "" || m.html == "" {
		t.Fatalf("want a text and an HTML part, got text %q html %q", m.text, m.html)
	}
	return m
}

func TestComposeHeaders(t *testing.T) {
	c := newTestComposer(t)
	l := composeResponse()
	m := composeAndParse(t, c, l)

	want := map[string]string{
		"Date":             "Sat, 28 Nov 2026 10:00:00 +0100",
		"From":             "Laura Gómez via Example Support <support@example.com>",
		"To":               "Sam Carter <sam@customer.example>",
		"Reply-To":         "Example Support <support+tok1041@example.com>",
		"Message-ID":       "<case-1041.3@example.com>",
		"In-Reply-To":      "<second@customer.example>",
		"References":       "<first@customer.example> <case-1041.1@example.com> <second@customer.example>",
		"Subject":          "[Case #1041] Website down since 10:00",
		"Thread-Topic":     "Website down since 10:00",
		"Content-Language": "en",
		"MIME-Version":     "1.0",
	}
	for k, v := range want {
		got := m.decoded(t, k)
		if k == "From" || k == "To" || k == "Reply-To" {
			a, err := netmail.ParseAddress(m.hdr.Get(k))
			if err != nil {
				t.Errorf("%s %q: %v", k, m.hdr.Get(k), err)
				continue
			}
			got = a.Name + " <" + a.Address + ">"
		}
		if got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if d, err := m.hdr.Date(); err != nil || !d.Equal(composeDate) {
		t.Errorf("Date parses to %v, %v", d, err)
	}
	if ti := m.hdr.Get("Thread-Index"); ti != NewThreadIndex("1041 support@example.com", composeDate) {
		t.Errorf("Thread-Index %q is not the case's new index", ti)
	}
	for _, k := range []string{"Auto-Submitted", "X-Auto-Response-Suppress", "Precedence"} {
		if v := m.hdr.Get(k); v != "" {
			t.Errorf("a person's response carries %s: %s", k, v)
		}
	}
	if !strings.Contains(string(m.raw), "From: =?utf-8?") {
		t.Error("a non-ASCII agent name is not RFC 2047-encoded in From")
	}

	wantText := "Hello Sam,\r\n\r\nthe site is back.\r\nThe cause was a full disk.\r\n\r\n— Laura Gómez, Example Support · Case #1041\r\n"
	if m.text != wantText {
		t.Errorf("text part:\n%q\nwant\n%q", m.text, wantText)
	}
	if !strings.Contains(m.html, "the site is back.<br>\r\nThe cause") || !strings.Contains(m.html, "Laura Gómez, Example Support · Case #1041") {
		t.Errorf("HTML part lacks the text with <br> or the footer:\n%s", m.html)
	}
}

func TestComposeUpdateFirstLine(t *testing.T) {
	c := newTestComposer(t)
	for lang, first := range map[string]string{"en": "Progress update on case #1041", "es": "Actualización del caso #1041"} {
		l := composeResponse()
		l.Kind, l.Language = LetterUpdate, lang
		m := composeAndParse(t, c, l)
		if got, _, _ := strings.Cut(m.text, "\r\n"); got != first {
			t.Errorf("%s update starts %q, want %q", lang, got, first)
		}
	}
}

func TestComposeSpanishRoundTrip(t *testing.T) {
	c := newTestComposer(t)
	subject := "¿Cómo configuro el correo en el móvil? — ñandú, pingüino, 日本語 ✓"
	l := composeResponse()
	l.Kind, l.Language = LetterUpdate, "es"
	l.CaseSubject = "RE: RV: " + subject
	l.To = support.Address{Name: "Ana Pérez Núñez, \"la jefa\"", Address: "ana@cliente.es"}
	l.Agent = &support.Address{Name: "José Ñúñez"}
	l.Text = "Hemos revisado la configuración.\nPruebe de nuevo, por favor."
	m := composeAndParse(t, c, l)

	if got := m.decoded(t, "Subject"); got != "[Case #1041] "+subject {
		t.Errorf("Subject = %q, want %q", got, "[Case #1041] "+subject)
	}
	if got := m.decoded(t, "Thread-Topic"); got != subject {
		t.Errorf("Thread-Topic = %q, want %q", got, subject)
	}
	for k, want := range map[string]string{"To": l.To.Name, "From": "José Ñúñez via Example Support"} {
		a, err := netmail.ParseAddress(m.hdr.Get(k))
		if err != nil || a.Name != want {
			t.Errorf("%s name = %q (%v), want %q", k, a.Name, err, want)
		}
	}
	if m.hdr.Get("Content-Language") != "es" {
		t.Errorf("Content-Language %q", m.hdr.Get("Content-Language"))
	}
	if !strings.Contains(m.text, "Hemos revisado la configuración.\r\nPruebe de nuevo") ||
		!strings.Contains(m.text, "— José Ñúñez, Example Support · Caso #1041") {
		t.Errorf("Spanish text part:\n%s", m.text)
	}
	for i, line := range strings.Split(string(m.raw), "\r\n") {
		if line == "" {
			break // end of header
		}
		if len(line) > maxLineLen {
			t.Errorf("header line %d is %d characters, over %d: %q", i+1, len(line), maxLineLen, line)
		}
	}
}

func TestComposeSubjectTopic(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Website down", "Website down"},
		{"Re: Website down", "Website down"},
		{"RE: Re: re:Website down", "Website down"},
		{"Fwd: FW: Fw: Website down", "Website down"},
		{"AW: WG: Antw: Webseite", "Webseite"},
		{"RV: RE: La web no funciona", "La web no funciona"},
		{"SV: VS: TR: RES: ENC: x", "x"},
		{"Re[2]: Re (3): Website down", "Website down"},
		{"RE : Le site", "Le site"},
		{"[Case #12] Website down", "Website down"},
		{"Re: [Case #12] Re: Website down", "Website down"},
		{"Website down [case # 12]", "Website down"},
		{"Re: [Case #12] [Case #13] x", "x"},
		{"Reply needed: invoice", "Reply needed: invoice"},
		{"Resumen: Q3", "Resumen: Q3"},
		{"Subject with Re: inside", "Subject with Re: inside"},
		{"  lots   of\tspace  ", "lots of space"},
		{"Re:", ""},
		{"", ""},
		{"¿Qué tal?\u202e reversed", "¿Qué tal? reversed"},
		{strings.Repeat("x", 300), strings.Repeat("x", maxTopicRunes-1) + "…"},
	} {
		if got := subjectTopic(tt.in); got != tt.want {
			t.Errorf("subjectTopic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestComposeEmptySubject(t *testing.T) {
	l := composeResponse()
	l.CaseSubject = "Re: "
	m := composeAndParse(t, newTestComposer(t), l)
	if got := m.hdr.Get("Subject"); got != "[Case #1041]" {
		t.Errorf("Subject %q, want the bare tag", got)
	}
	if _, ok := m.hdr["Thread-Topic"]; ok {
		t.Error("empty Thread-Topic written")
	}
}

func TestComposeHeaderInjection(t *testing.T) {
	const evil = "Eve\r\nBcc: victim@evil.example\r\nX-Injected: 1\n\rSubject: spam\x00\u2028Cc: x@y"
	for _, tt := range []struct {
		name string
		edit func(*Letter)
	}{
		{"case subject", func(l *Letter) { l.CaseSubject = evil }},
		{"agent name", func(l *Letter) { l.Agent.Name = evil }},
		{"recipient name", func(l *Letter) { l.To.Name = evil }},
		{"references", func(l *Letter) { l.References = []string{evil, "a@b"}; l.InReplyTo = evil }},
		{"thread index", func(l *Letter) { l.ThreadIndex = evil }},
		{"language", func(l *Letter) { l.Language = evil }},
		{"hours and text", func(l *Letter) { l.Kind = LetterAck; l.Hours = evil; l.Text = evil }},
		{"agent text", func(l *Letter) { l.Text = evil + "\r\n--" + boundaryFor(l.MessageID) + "--\r\n" }},
		{"ack subject", func(l *Letter) { l.Kind = LetterAck; l.CaseSubject = evil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := composeResponse()
			tt.edit(l)
			m := composeAndParse(t, newTestComposer(t), l)
			allowed := map[string]bool{
				"Date": true, "From": true, "To": true, "Reply-To": true, "Message-Id": true,
				"In-Reply-To": true, "References": true, "Subject": true, "Thread-Topic": true,
				"Thread-Index": true, "Content-Language": true, "Mime-Version": true, "Content-Type": true,
				"Auto-Submitted": true, "X-Auto-Response-Suppress": true,
			}
			for k, vs := range m.hdr {
				if !allowed[k] {
					t.Errorf("injected header %s: %q", k, vs)
				}
				if len(vs) != 1 {
					t.Errorf("%d %s fields", len(vs), k)
				}
			}
			if bytes.Contains(m.raw, []byte("\x00")) {
				t.Error("NUL in the message")
			}
		})
	}
}

func TestComposeRejectsBadAddresses(t *testing.T) {
	c := newTestComposer(t)
	for _, tt := range []struct {
		name string
		edit func(*Letter)
	}{
		{"recipient with CRLF", func(l *Letter) { l.To.Address = "sam@customer.example\r\nBcc: x@y" }},
		{"recipient list", func(l *Letter) { l.To.Address = "a@b, c@d" }},
		{"recipient with name", func(l *Letter) { l.To.Address = "Eve <eve@x.example>" }},
		{"empty recipient", func(l *Letter) { l.To.Address = "" }},
		{"reply-to with CRLF", func(l *Letter) { l.ReplyTo = "support+t@example.com\r\nBcc: x@y" }},
		{"message-id without @", func(l *Letter) { l.MessageID = "nodomain" }},
		{"empty message-id", func(l *Letter) { l.MessageID = "" }},
		{"unknown kind", func(l *Letter) { l.Kind = "spam" }},
	} {
		if _, err := c.Compose(func() *Letter { l := composeResponse(); tt.edit(l); return l }(), composeDate); err == nil {
			t.Errorf("%s: Compose succeeded", tt.name)
		}
	}
	if _, err := c.Compose(composeResponse(), time.Time{}); err == nil {
		t.Error("zero date accepted")
	}
	if _, err := c.Compose(nil, composeDate); err == nil {
		t.Error("nil letter accepted")
	}
	l := composeResponse()
	l.To.Address = "<sam@customer.example>"
	if m := composeAndParse(t, c, l); m.hdr.Get("To") != `"Sam Carter" <sam@customer.example>` {
		t.Errorf("To %q", m.hdr.Get("To"))
	}
}

func TestComposeAutoLetters(t *testing.T) {
	c := newTestComposer(t)
	const customerText = "CUSTOMER BODY: buy cheap pills at http://spam.example"
	ack := &Letter{
		Kind: LetterAck, CaseNumber: 7, CaseSubject: "Re: Help with DNS",
		To: support.Address{Name: "Victim", Address: "victim@forged.example"}, MessageID: "ack-7@example.com",
		InReplyTo: "m1@forged.example", ReplyTo: "support+t7@example.com",
		Agent: &support.Address{Name: "AGENT NAME"}, Text: customerText,
		Hours: "Monday to Friday, 09:00–18:00 (Europe/Madrid)", NextOpen: composeNextOpen,
	}
	m := composeAndParse(t, c, ack) // Auto left false: an ack is automatic anyway
	if got := m.hdr.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("ack Auto-Submitted %q, want auto-replied (RFC 3834 §5)", got)
	}
	if got := m.hdr.Get("X-Auto-Response-Suppress"); got != "All" {
		t.Errorf("ack X-Auto-Response-Suppress %q, want All", got)
	}
	if got := m.hdr.Get("Precedence"); got != "" {
		t.Errorf("ack carries Precedence: %s", got)
	}
	for _, part := range []string{m.text, m.html, m.decoded(t, "From")} {
		if strings.Contains(part, "CUSTOMER BODY") || strings.Contains(part, "spam.example") || strings.Contains(part, "AGENT NAME") {
			t.Errorf("the ack echoes text other than the subject:\n%s", part)
		}
	}
	wantText := "Hello,\r\n\r\nWe have received your message “Help with DNS” and opened case #7.\r\n\r\n" +
		"Our team works Monday to Friday, 09:00–18:00 (Europe/Madrid); the next window opens Monday 30 November at 09:00.\r\n\r\n" +
		"Please keep [Case #7] in the subject, or simply reply to this message, to add information.\r\n\r\nExample Support\r\n"
	if m.text != wantText {
		t.Errorf("ack text:\n%q\nwant\n%q", m.text, wantText)
	}

	notice := &Letter{Kind: LetterNotice, CaseNumber: 7, CaseSubject: "Help with DNS",
		To: support.Address{Address: "team@example.com"}, MessageID: "notice-7@example.com",
		Text: "Delivery to victim@forged.example failed: 550 no such user"}
	m = composeAndParse(t, c, notice)
	if got := m.hdr.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("notice Auto-Submitted %q, want auto-generated (RFC 3834 §5: not a reply to a message)", got)
	}
	if !strings.Contains(m.text, "550 no such user") {
		t.Errorf("notice lacks our text:\n%s", m.text)
	}

	resp := composeResponse()
	resp.Auto = true
	if m = composeAndParse(t, c, resp); m.hdr.Get("Auto-Submitted") != "auto-replied" {
		t.Error("Letter.Auto on a response did not mark it automatic")
	}
}

func TestComposeAckOpenNowAndNoHours(t *testing.T) {
	c := newTestComposer(t)
	for _, tt := range []struct {
		lang, hours string
		next        time.Time
		want        string
	}{
		{"en", "9 to 6", time.Time{}, "Our team works 9 to 6; we are working now and will answer soon."},
		{"en", "", composeNextOpen, "Our next window opens Monday 30 November at 09:00."},
		{"en", "", time.Time{}, "We are working now and will answer soon."},
		{"es", "de 9 a 18", time.Time{}, "Nuestro horario de atención es de 9 a 18; ahora mismo estamos trabajando y le responderemos en breve."},
		{"es", "", composeNextOpen, "Volveremos a estar disponibles el lunes 30 de noviembre a las 09:00."},
	} {
		l := &Letter{Kind: LetterAck, CaseNumber: 3, CaseSubject: "x", To: support.Address{Address: "a@b.example"},
			MessageID: "a3@example.com", Language: tt.lang, Hours: tt.hours, NextOpen: tt.next}
		if m := composeAndParse(t, c, l); !strings.Contains(m.text, "\r\n"+tt.want+"\r\n") {
			t.Errorf("%s ack with hours %q, next %v lacks %q:\n%s", tt.lang, tt.hours, tt.next, tt.want, m.text)
		}
	}
}

func TestComposeHTMLEscapes(t *testing.T) {
	l := composeResponse()
	l.Text = "<script>alert(1)</script>\nline & two"
	l.Agent.Name = "<b>Mallory</b>"
	l.CaseSubject = `"><img src=x onerror=alert(1)>`
	l.Kind = LetterUpdate
	m := composeAndParse(t, newTestComposer(t), l)
	for _, bad := range []string{"<script>", "<b>Mallory", "<img"} {
		if strings.Contains(m.html, bad) {
			t.Errorf("HTML part contains unescaped %q:\n%s", bad, m.html)
		}
	}
	if !strings.Contains(m.html, "&lt;script&gt;alert(1)&lt;/script&gt;<br>\r\nline &amp; two") {
		t.Errorf("agent text not escaped with <br>:\n%s", m.html)
	}
	if !strings.Contains(m.text, "<script>alert(1)</script>\r\nline & two") {
		t.Errorf("text part should carry the text as written:\n%s", m.text)
	}
}

func TestComposeReferences(t *testing.T) {
	var refs []string
	for i := 0; i < 40; i++ {
		refs = append(refs, "r"+string(rune('a'+i%26))+strings.Repeat("x", i)+"@x.example")
	}
	irt, chain := referenceChain("self@example.com", "<parent@x.example>", append(refs, refs[3], "self@example.com", " ", strings.Repeat("l", maxMsgIDLen+1)))
	if irt != "parent@x.example" {
		t.Errorf("In-Reply-To %q", irt)
	}
	if len(chain) != maxReferences || chain[0] != refs[0] || chain[len(chain)-1] != "parent@x.example" || chain[len(chain)-2] != refs[39] {
		t.Errorf("chain of %d: first %q, last two %q", len(chain), chain[0], chain[len(chain)-2:])
	}
	seen := map[string]bool{}
	for _, r := range chain {
		if seen[r] || r == "self@example.com" || r == "" || len(r) > maxMsgIDLen {
			t.Errorf("bad reference %q in chain", r)
		}
		seen[r] = true
	}

	// The parent already in References is moved last, not repeated.
	_, chain = referenceChain("s@x", "p@x", []string{"root@x", "p@x", "mid@x"})
	if strings.Join(chain, " ") != "root@x mid@x p@x" {
		t.Errorf("chain %v", chain)
	}

	l := composeResponse()
	l.References = refs
	m := composeAndParse(t, newTestComposer(t), l)
	ids := strings.Fields(m.hdr.Get("References"))
	if len(ids) != maxReferences || ids[0] != "<"+refs[0]+">" {
		t.Errorf("References header of %d ids, first %q", len(ids), ids[0])
	}
	raw := string(m.raw)
	field := raw[strings.Index(raw, "\r\nReferences: ")+2:]
	field = field[:strings.Index(field, "\r\nSubject: ")]
	lines := strings.Split(field, "\r\n")
	if len(lines) < 2 {
		t.Errorf("References not folded:\n%s", field)
	}
	for i, line := range lines {
		if len(line) > maxLineLen || !strings.HasSuffix(line, ">") || i > 0 && !strings.HasPrefix(line, " <") {
			t.Errorf("References folded inside an identifier or too long: %q", line)
		}
	}
}

func TestComposeThreadIndexExtendsParent(t *testing.T) {
	c := newTestComposer(t)
	l := composeResponse()
	l.ThreadIndex = "AcZ+S3Ia8aPtMgBVRy+HQjd0+ckNUw=="
	m := composeAndParse(t, c, l)
	if got, want := m.hdr.Get("Thread-Index"), ChildThreadIndex(l.ThreadIndex, composeDate); got != want {
		t.Errorf("Thread-Index %q, want the child %q", got, want)
	}
	// A broken index from the customer falls back to the case's own.
	l.ThreadIndex = "garbage"
	m = composeAndParse(t, c, l)
	if got, want := m.hdr.Get("Thread-Index"), NewThreadIndex("1041 support@example.com", composeDate); got != want {
		t.Errorf("Thread-Index %q, want the case's %q", got, want)
	}
}

func TestComposeLanguage(t *testing.T) {
	c, err := NewComposer(Options{SupportName: "S", SupportAddress: "support@example.com", DefaultLanguage: "es"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"en": "en", "EN-gb": "en", "es_ES": "es", "fr": "es", "": "es"} {
		if got := c.language(in); got != want {
			t.Errorf("language(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := NewComposer(Options{SupportAddress: "support@example.com", DefaultLanguage: "fr"}); err == nil {
		t.Error("default language fr accepted")
	}
	for _, bad := range []string{"", "Support <support@example.com>", "nobody"} {
		if _, err := NewComposer(Options{SupportAddress: bad}); err == nil {
			t.Errorf("support address %q accepted", bad)
		}
	}
}

func TestComposeNextOpenFormat(t *testing.T) {
	ny := mustLoadLocation("America/New_York")
	for _, tt := range []struct {
		t          time.Time
		lang, want string
	}{
		{composeNextOpen, "en", "Monday 30 November at 09:00"},
		{composeNextOpen, "es", "el lunes 30 de noviembre a las 09:00"},
		{time.Date(2026, 12, 2, 1, 30, 0, 0, composeMadrid), "es", "el miércoles 2 de diciembre a la 01:30"},
		{time.Date(2026, 8, 1, 13, 5, 0, 0, composeMadrid), "es", "el sábado 1 de agosto a las 13:05"},
		// Shown in NextOpen's own zone, not converted to UTC or local time.
		{composeNextOpen.In(ny), "en", "Monday 30 November at 03:00"},
	} {
		if got := formatNextOpen(tt.t, tt.lang); got != tt.want {
			t.Errorf("formatNextOpen(%v, %s) = %q, want %q", tt.t, tt.lang, got, tt.want)
		}
	}
}

func TestComposeHeaderFolding(t *testing.T) {
	for _, tt := range []struct{ key, value, want string }{
		{"Subject", "short", "Subject: short\r\n"},
		{"References", strings.TrimSpace(strings.Repeat("<abcdefghijklmnopqrstuvwxyz@example.com> ", 3)),
			"References: <abcdefghijklmnopqrstuvwxyz@example.com>\r\n <abcdefghijklmnopqrstuvwxyz@example.com>\r\n <abcdefghijklmnopqrstuvwxyz@example.com>\r\n"},
		{"X", "a  b", "X: a  b\r\n"},
	} {
		got, err := foldField(tt.key, tt.value)
		if err != nil || string(got) != tt.want {
			t.Errorf("foldField(%q, %q) = %q, %v; want %q", tt.key, tt.value, got, err, tt.want)
		}
	}
	if _, err := foldField("Subject", "a\r\nBcc: b"); err == nil {
		t.Error("foldField accepted a value with CRLF")
	}
}
