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
