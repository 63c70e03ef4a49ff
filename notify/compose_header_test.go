package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

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
				"Auto-Submitted": true, "X-Auto-Response-Suppress": true, "X-Casemail-Loop": true,
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
