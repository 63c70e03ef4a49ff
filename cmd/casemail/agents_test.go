package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/internal/corpus"
	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/store"
)

// fakeDNS answers SPF and DMARC lookups from a map; everything else does
// not exist. Tests never touch the network.
type fakeDNS map[string][]string

func (f fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := f[strings.TrimSuffix(strings.ToLower(name), ".")]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (fakeDNS) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
func (fakeDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}
func (fakeDNS) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

// The agents' domain example.com publishes SPF for loopback (where the test
// "agent mail server" connects from) and a strict DMARC policy; so does the
// customer's domain.
var testDNS = fakeDNS{
	"example.com":        {"v=spf1 ip4:127.0.0.1 -all"},
	"_dmarc.example.com": {"v=DMARC1; p=reject"},
	"cliente.es":         {"v=spf1 ip4:127.0.0.1 -all"},
	"_dmarc.cliente.es":  {"v=DMARC1; p=reject"},
	"evil.example":       {"v=spf1 ip4:127.0.0.1 -all"},
}

const (
	luis = "luis@example.com"
	tam  = "tam@example.com"
)

var monday10 = time.Date(2026, 11, 30, 10, 0, 0, 0, madrid)

// agentDesk starts the daemon with two agents, a premium account for
// cliente.es with its TAM, a fake clock and DNS, and a receiver standing in
// for the smarthost.
func agentDesk(t *testing.T, t0 time.Time, mutate ...func(*config.Config)) (*Main, *clock.Fake, *receiver) {
	t.Helper()
	clk := clock.NewFake(t0)
	rcv := startReceiver(t)
	cfg := config.Default()
	cfg.SMTP.Listen, cfg.Admin.Listen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Store.Path = filepath.Join(t.TempDir(), "casemail.db")
	cfg.Threading.TokenKey = testTokenKey
	cfg.Log.Level = "warn"
	cfg.Outbound.Smarthost, cfg.Outbound.TLS = rcv.addr, "off"
	cfg.Agents.List = []string{"Luis Pérez <" + luis + ">", "Marta Gil <marta@example.com>"}
	cfg.Accounts.List = []string{"cliente.es premium " + tam}
	for _, f := range mutate {
		f(cfg)
	}
	m := NewMain(cfg, newLogger(cfg.Log, testWriter{t}))
	m.Clock, m.Resolver = clk, testDNS
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, clk, rcv
}

// to returns the messages the receiver got for rcpt.
func to(rcv *receiver, rcpt string) []received {
	var out []received
	for _, m := range rcv.messages() {
		if m.To[0] == rcpt {
			out = append(out, m)
		}
	}
	return out
}

func waitTo(t *testing.T, rcv *receiver, rcpt string, n int) []received {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d messages to %s", n, rcpt), func() bool { return len(to(rcv, rcpt)) >= n })
	return to(rcv, rcpt)
}

// replyAddr is the Reply-To of a notification: the agent's token address.
func replyAddr(t *testing.T, r received) string {
	t.Helper()
	a := r.Msg.Header.Get("Reply-To")
	if i := strings.IndexByte(a, '<'); i >= 0 {
		a = strings.Trim(a[i:], "<>")
	}
	if !strings.HasPrefix(a, "support+") {
		t.Fatalf("notification Reply-To %q has no token", a)
	}
	return a
}

// agentReply sends an agent's reply as the agent's mail server would:
// MAIL FROM the agent, from the IP the agent's SPF allows.
func agentReply(t *testing.T, m *Main, from, rcpt, inReplyTo, body string) {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: [Case #1] No puedo acceder al panel\r\nMessage-ID: <%d.agent@example.com>\r\nIn-Reply-To: <%s>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, rcpt, time.Now().UnixNano(), inReplyTo, strings.ReplaceAll(body, "\n", "\r\n"))
	if err := send(t, m.SMTPAddr.String(), addrOf(from), []string{rcpt}, []byte(raw)); err != nil {
		t.Fatalf("agent reply: %v", err)
	}
}

func msgID(r received) string { return strings.Trim(r.Msg.Header.Get("Message-Id"), "<>") }

// openCase has the customer open case #1 and returns the notification the
// team (both agents) got and Luis's copy.
func openCase(t *testing.T, m *Main, rcv *receiver) received {
	t.Helper()
	mustSend(t, m, firstMail())
	waitTo(t, rcv, "ana@cliente.es", 1) // the acknowledgement
	n := waitTo(t, rcv, luis, 1)[0]
	if !strings.Contains(string(n.Raw), "error 500") || !strings.Contains(string(n.Raw), "premium") {
		t.Errorf("notification lacks the new text or the account:\n%s", n.Raw)
	}
	if len(waitTo(t, rcv, "marta@example.com", 1)) != 1 {
		t.Error("an unassigned case did not notify the whole team")
	}
	return n
}

func TestAgentRepliesFromEveryClientRelayOnlyTheNewText(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "talon-replies")
	expected := map[string]string{}
	tsv, err := os.ReadFile(filepath.Join(dir, "EXPECTED-replies.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(tsv), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 2 && strings.HasSuffix(f[0], ".eml") {
			expected[f[0]] = strings.ReplaceAll(f[1], `\n`, "\n")
		}
	}
	if len(expected) != 12 {
		t.Fatalf("%d expected replies", len(expected))
	}
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	replyTo := replyAddr(t, n)
	sent := 1 // the acknowledgement
	for _, file := range sortedKeys(expected) {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		raw = dropHeaders(raw, threadHeaders, fromHeader)
		hdr := fmt.Sprintf("From: Luis Pérez <%s>\nTo: %s\nMessage-Id: <%s@client.example>\nIn-Reply-To: <%s>\n", luis, replyTo, filepath.Base(file), msgID(n))
		raw = append([]byte(hdr), raw...)
		if err := send(t, m.SMTPAddr.String(), luis, []string{replyTo}, raw); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sent++
		got := waitTo(t, rcv, "ana@cliente.es", sent)[sent-1]
		body := decodedText(t, got)
		// The relay is the agent's new text, then our footer ("— Luis
		// Pérez, Example Support · Caso #1") and nothing else: the text up
		// to the footer must be exactly the expected reply, so a quoted
		// line left after the new text fails here.
		want := strings.TrimSpace(expected[file])
		i := strings.LastIndex(body, "\n\n— ")
		if i < 0 {
			t.Errorf("%s: no footer in the relay:\n%q", file, body)
			continue
		}
		footer := strings.TrimSpace(body[i:])
		if text := strings.TrimSpace(body[:i]); text != want {
			t.Errorf("%s: the customer got the text\n%q\nwant exactly\n%q", file, text, want)
		}
		if !strings.HasPrefix(footer, "— Luis Pérez, ") || strings.Contains(footer, "\n") {
			t.Errorf("%s: the relay does not end with our one-line footer: %q", file, footer)
		}
		for _, quoted := range []string{"wrote:", "From:", "Sent:", "-----Original Message-----"} {
			if strings.Contains(body, quoted) {
				t.Errorf("%s: the quoted notification reached the customer (%q):\n%s", file, quoted, body)
			}
		}
		if !strings.Contains(decodeHeader(got.Msg.Header.Get("From")), "Luis Pérez via Example Support") {
			t.Errorf("%s: From = %q", file, got.Msg.Header.Get("From"))
		}
	}
	d := showCase(t, m, 1)
	if d.Assignee != luis || d.Status != "open" {
		t.Errorf("after Luis's answers: assignee %q status %s", d.Assignee, d.Status)
	}
}

var fromHeader = threadHeadersRe(`From|Sender|Reply-To`)

// decodedText is the text/plain part of a composed mail, decoded.
func decodedText(t *testing.T, r received) string {
	t.Helper()
	msg, err := readMIME(r.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestAgentCommands(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	replyTo := replyAddr(t, n)

	agentReply(t, m, luis, replyTo, msgID(n), "#note\nCustomer's server is behind a proxy; checking logs.")
	agentReply(t, m, luis, replyTo, msgID(n), "#kind configuration\n#assign marta@example.com")
	d := showCase(t, m, 1)
	if d.Kind != "configuration" || d.Assignee != "marta@example.com" {
		t.Errorf("after #kind and #assign: kind %s assignee %s", d.Kind, d.Assignee)
	}
	note := d.Messages[len(d.Messages)-2]
	if note.Visibility != "internal" || note.Author != "agent" || !strings.Contains(note.Text, "proxy") {
		t.Errorf("the note is recorded as %+v", note)
	}
	time.Sleep(100 * time.Millisecond)
	if got := to(rcv, "ana@cliente.es"); len(got) != 1 {
		t.Fatalf("the customer got %d messages; a note and commands must send nothing", len(got))
	}
	// An unknown command changes nothing and gets one short error mail.
	agentReply(t, m, luis, replyTo, msgID(n), "#reslove\nAll fixed.")
	errMail := waitTo(t, rcv, luis, 2)[1]
	if !strings.Contains(string(errMail.Raw), "#resolve") {
		t.Errorf("the error mail does not suggest #resolve:\n%s", errMail.Raw)
	}
	time.Sleep(100 * time.Millisecond)
	if len(to(rcv, "ana@cliente.es")) != 1 || showCase(t, m, 1).Status != "new" {
		t.Error("a malformed command changed the case or reached the customer")
	}
}

func TestMutualResolution(t *testing.T) {
	start := func(t *testing.T) (*Main, *clock.Fake, *receiver, string, received) {
		m, clk, rcv := agentDesk(t, monday10)
		n := openCase(t, m, rcv)
		replyTo := replyAddr(t, n)
		agentReply(t, m, luis, replyTo, msgID(n), "#resolve\nHemos reiniciado el servidor.")
		prop := waitTo(t, rcv, "ana@cliente.es", 2)[1]
		if !strings.Contains(decodedText(t, prop), "confirmo") {
			t.Errorf("the proposal does not ask the customer to confirm:\n%s", decodedText(t, prop))
		}
		if s := showCase(t, m, 1).Status; s != "resolution_proposed" {
			t.Fatalf("status %s after #resolve", s)
		}
		return m, clk, rcv, replyTo, prop
	}
	t.Run("confirm resolves", func(t *testing.T) {
		m, _, rcv, _, prop := start(t)
		mustSend(t, m, mail{From: customer, Subject: "Re: x", MessageID: "c1@cliente.es", InReplyTo: msgID(prop), Body: "Confirmo, gracias."})
		if s := showCase(t, m, 1).Status; s != "resolved" {
			t.Fatalf("status %s after the customer confirmed", s)
		}
		if got := waitTo(t, rcv, luis, 2); !strings.Contains(string(got[1].Raw), "confirmed") {
			t.Errorf("the assignee was not told:\n%s", got[1].Raw)
		}
	})
	t.Run("another reply reopens", func(t *testing.T) {
		m, _, _, _, prop := start(t)
		mustSend(t, m, mail{From: customer, Subject: "Re: x", MessageID: "c2@cliente.es", InReplyTo: msgID(prop), Body: "Sigue fallando."})
		if s := showCase(t, m, 1).Status; s != "open" {
			t.Fatalf("status %s after the customer objected", s)
		}
	})
	t.Run("silence closes after the business days", func(t *testing.T) {
		m, clk, rcv, _, _ := start(t) // proposed Monday 30 Nov 10:00
		// remind_after_days 3 → Thursday 3 Dec 09:00; close_after_days 5 → Monday 7 Dec 09:00.
		clk.Set(time.Date(2026, 12, 3, 8, 59, 0, 0, madrid))
		settle(t, clk, rcv, len(rcv.messages()))
		clk.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, madrid))
		rem := waitTo(t, rcv, "ana@cliente.es", 3)[2]
		if !strings.Contains(decodedText(t, rem), "confirmo") {
			t.Errorf("reminder: %s", decodedText(t, rem))
		}
		clk.Set(time.Date(2026, 12, 7, 8, 59, 0, 0, madrid))
		settle(t, clk, rcv, len(rcv.messages()))
		if s := showCase(t, m, 1).Status; s != "resolution_proposed" {
			t.Fatalf("closed early: %s", s)
		}
		clk.Set(time.Date(2026, 12, 7, 9, 0, 0, 0, madrid))
		waitTo(t, rcv, "ana@cliente.es", 4)
		waitFor(t, "case closed", func() bool { return showCase(t, m, 1).Status == "resolved" })
	})
}

func TestSLAReminderAndTAMEscalation(t *testing.T) {
	// Premium: first response due 2 business hours after creation. Opened
	// Friday 17:00 → due Monday 10:00; reminder 1h before → Monday 09:00.
	m, clk, rcv := agentDesk(t, time.Date(2026, 11, 27, 17, 0, 0, 0, madrid))
	openCase(t, m, rcv)
	if d := showCase(t, m, 1); len(d.SLA) == 0 || !d.SLA[0].At.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, madrid)) {
		t.Fatalf("SLA = %+v", d.SLA)
	}
	before := len(to(rcv, luis))
	clk.Set(time.Date(2026, 11, 30, 8, 59, 0, 0, madrid))
	settle(t, clk, rcv, len(rcv.messages()))
	clk.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, madrid))
	rem := waitTo(t, rcv, luis, before+1)[before]
	if !strings.Contains(string(rem.Raw), "Reminder") {
		t.Errorf("reminder: %s", rem.Raw)
	}
	waitTo(t, rcv, "marta@example.com", before+1) // unassigned: the whole team is reminded
	if len(to(rcv, tam)) != 0 {
		t.Error("the TAM heard before the breach")
	}
	clk.Set(time.Date(2026, 11, 30, 9, 59, 0, 0, madrid))
	settle(t, clk, rcv, len(rcv.messages()))
	clk.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, madrid))
	esc := waitTo(t, rcv, tam, 1)[0]
	if !strings.Contains(string(esc.Raw), "Escalation") {
		t.Errorf("escalation: %s", esc.Raw)
	}
}

func TestForgedAgentIsHeld(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	before := len(to(rcv, luis))
	t.Run("a forged From without a token", func(t *testing.T) {
		raw := "From: Luis Pérez <" + luis + ">\r\nTo: support@example.com\r\nSubject: [Case #1] refund\r\nMessage-ID: <forged1@evil.example>\r\n" +
			"In-Reply-To: <" + msgID(n) + ">\r\n\r\nPlease pay the invoice to IBAN ES00 0000.\r\n"
		if err := send(t, m.SMTPAddr.String(), "attacker@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		msgs := showCase(t, m, 1).Messages
		last := msgs[len(msgs)-1]
		if last.Visibility != "held" {
			t.Errorf("forged agent mail recorded as %+v", last)
		}
		warn := waitTo(t, rcv, luis, before+1)[before]
		if !strings.Contains(string(warn.Raw), "held for review") {
			t.Errorf("the real agent was not told: %s", warn.Raw)
		}
	})
	t.Run("a valid token from another sender", func(t *testing.T) {
		tok := replyAddr(t, n)
		raw := "From: Eve <eve@evil.example>\r\nTo: " + tok + "\r\nSubject: Re: [Case #1]\r\nMessage-ID: <forged2@evil.example>\r\n\r\n#resolve\r\nDone.\r\n"
		if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{tok}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
		msgs := showCase(t, m, 1).Messages
		if last := msgs[len(msgs)-1]; last.Visibility != "held" {
			t.Errorf("mail through an agent's token from another sender recorded as %+v", last)
		}
		waitTo(t, rcv, luis, before+2)
		if s := showCase(t, m, 1).Status; s != "new" {
			t.Errorf("held mail changed the status to %s", s)
		}
	})
	time.Sleep(100 * time.Millisecond)
	if got := to(rcv, "ana@cliente.es"); len(got) != 1 {
		t.Errorf("held mail reached the customer: %d messages", len(got))
	}
}

// TestZendeskAttack replays the 2024 attack on help desks: a spoofed
// customer From, the case number in the subject, the attacker in Cc,
// hoping the desk adds the Cc to the ticket and mails it the thread.
func TestZendeskAttack(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	openCase(t, m, rcv)
	raw := "From: Ana García <ana@cliente.es>\r\nTo: support@example.com\r\nCc: attacker@evil.example\r\n" +
		"Subject: Re: [Case #1] No puedo acceder al panel\r\nMessage-ID: <zd@evil.example>\r\n\r\nPlease add my colleague in Cc and resend everything.\r\n"
	if err := send(t, m.SMTPAddr.String(), "bounce@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d := showCase(t, m, 1)
	for _, p := range d.Participants {
		if strings.Contains(p, "evil") {
			t.Errorf("the attacker became a participant: %v", d.Participants)
		}
	}
	last := d.Messages[len(d.Messages)-1]
	if !strings.Contains(strings.Join(last.Notes, " "), "DMARC failed") {
		t.Errorf("the spoofed mail is not marked: %+v", last)
	}
	// Luis answers the case: the relay goes to the customer only.
	n := to(rcv, luis)[0]
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Le enviamos los detalles.")
	waitTo(t, rcv, "ana@cliente.es", 2)
	time.Sleep(100 * time.Millisecond)
	for _, r := range rcv.messages() {
		if strings.Contains(strings.Join(r.To, ","), "evil") || strings.Contains(r.Msg.Header.Get("Cc"), "evil") || strings.Contains(r.Msg.Header.Get("To"), "evil") {
			t.Errorf("mail reached the attacker: to %v", r.To)
		}
	}
}

func TestReplyToAgentNotificationFromOtherCaseToken(t *testing.T) {
	// A token is bound to its case: Luis answers case 2's notification but
	// his mail goes to his reply address for case 1 (a stale Reply-To his
	// client remembered). The token wins over In-Reply-To and the [Case #2]
	// tag: the mail is filed in case 1, and case 2 and its customer see
	// nothing of it.
	m, _, rcv := agentDesk(t, monday10)
	n1 := openCase(t, m, rcv)
	tok1 := replyAddr(t, n1)
	parsed, err := replytoken.Parse([]byte(testTokenKey), strings.TrimSuffix(strings.TrimPrefix(tok1, "support+"), "@example.com"))
	if err != nil || parsed.Case != 1 || !parsed.IssuedTo(luis) {
		t.Fatalf("notification token %+v, %v", parsed, err)
	}
	const beto = "beto@cliente.es"
	mustSend(t, m, mail{From: "Beto Ruiz <" + beto + ">", To: "support@example.com", Subject: "La factura no llega",
		MessageID: "second@cliente.es", Body: "No recibimos la factura de noviembre."})
	waitTo(t, rcv, beto, 1) // case 2's acknowledgement
	n2 := waitTo(t, rcv, luis, 2)[1]
	if !strings.Contains(decodeHeader(n2.Msg.Header.Get("Subject")), "#2") {
		t.Fatalf("Luis's second notification is not case 2's: %q", n2.Msg.Header.Get("Subject"))
	}
	before2 := showCase(t, m, 2)
	raw := "From: Luis Pérez <" + luis + ">\r\nTo: " + tok1 + "\r\nSubject: Re: [Case #2] La factura no llega\r\n" +
		"Message-ID: <cross@example.com>\r\nIn-Reply-To: <" + msgID(n2) + ">\r\nReferences: <" + msgID(n2) + ">\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n#resolve\r\nLa factura se reenvió ayer a su contabilidad.\r\n"
	if err := send(t, m.SMTPAddr.String(), luis, []string{tok1}, []byte(raw)); err != nil {
		t.Fatalf("Luis's reply: %v", err)
	}
	if c := caseOf(t, m, "cross@example.com"); c != 1 {
		t.Errorf("mail to Luis's case-1 address was filed in case #%d, want #1 (the token's case)", c)
	}
	after2 := showCase(t, m, 2)
	if containsID(after2.Messages, "cross@example.com") {
		t.Error("case 2 holds the mail sent with case 1's token")
	}
	if after2.Status != before2.Status || after2.Assignee != before2.Assignee || len(after2.Messages) != len(before2.Messages) {
		t.Errorf("case 2 changed: status %s → %s, assignee %q → %q, %d → %d messages",
			before2.Status, after2.Status, before2.Assignee, after2.Assignee, len(before2.Messages), len(after2.Messages))
	}
	time.Sleep(200 * time.Millisecond) // give a wrong relay time to leave
	for _, r := range to(rcv, beto)[1:] {
		t.Errorf("case 2's customer got %q:\n%s", decodeHeader(r.Msg.Header.Get("Subject")), decodedText(t, r))
	}
}

func TestOutOfOfficeChangesNothing(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#status waiting\n¿Puede enviarnos el registro?")
	relay := waitTo(t, rcv, "ana@cliente.es", 2)[1]
	before := showCase(t, m, 1)
	notices := len(to(rcv, luis))
	ooo := mail{From: customer, Subject: "Respuesta automática: Re: [Case #1]", MessageID: "ooo@cliente.es", InReplyTo: msgID(relay),
		Extra: "Auto-Submitted: auto-replied\r\n", Body: "Estoy fuera de la oficina hasta el lunes."}
	mustSend(t, m, ooo)
	after := showCase(t, m, 1)
	if after.Status != "waiting" || after.Status != before.Status {
		t.Errorf("an out-of-office reply changed the status %s → %s", before.Status, after.Status)
	}
	if !containsID(after.Messages, "ooo@cliente.es") {
		t.Error("the out-of-office reply is not recorded")
	}
	time.Sleep(100 * time.Millisecond)
	if len(to(rcv, luis)) != notices || len(to(rcv, "ana@cliente.es")) != 2 {
		t.Error("an out-of-office reply sent mail")
	}
}

// TestNewCaseSenderIsChecked: the sender authentication of mail that opens
// a case is checked after it is filed (off the SMTP session) and recorded
// on the message; a spoofed From is marked for the agent who reads it.
func TestNewCaseSenderIsChecked(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	openCase(t, m, rcv)
	spoof := "From: Ana García <ana@cliente.es>\r\nTo: support@example.com\r\nSubject: Change the billing e-mail\r\n" +
		"Message-ID: <spoof@evil.example>\r\n\r\nPlease send invoices to billing@evil.example from now on.\r\n"
	if err := send(t, m.SMTPAddr.String(), "bounce@evil.example", []string{"support@example.com"}, []byte(spoof)); err != nil {
		t.Fatal(err)
	}
	checked := func(n int) admin.MessageView {
		t.Helper()
		var v admin.MessageView
		waitFor(t, fmt.Sprintf("case #%d's sender check", n), func() bool {
			v = showCase(t, m, n).Messages[0]
			return v.Auth != nil
		})
		return v
	}
	if v := checked(1); v.Auth.SPF != "pass" || v.Auth.DMARC != "pass" || strings.Contains(strings.Join(v.Notes, " "), "DMARC") {
		t.Errorf("the genuine customer's first mail: auth %+v, notes %q", *v.Auth, v.Notes)
	}
	v := checked(2)
	if v.Auth.DMARC != "fail" || !strings.Contains(strings.Join(v.Notes, " "), "DMARC failed for cliente.es") {
		t.Errorf("the spoofed new case: auth %+v, notes %q", *v.Auth, v.Notes)
	}
	if out := cli(t, m, "cases", "show", "2"); !strings.Contains(out, "Sender: spf=") || !strings.Contains(out, "dmarc=fail") {
		t.Errorf("cases show does not show the sender check:\n%s", out)
	}
	// The forged From got no acknowledgement (backscatter to someone who
	// never wrote, with the forger's subject): the held ack is canceled
	// with the reason, on the row and on the case's copy of it.
	time.Sleep(200 * time.Millisecond)
	for _, r := range to(rcv, "ana@cliente.es") {
		if strings.Contains(r.Msg.Header.Get("Subject"), "billing") {
			t.Errorf("the forged new case was acknowledged: %s", r.Msg.Header.Get("Subject"))
		}
	}
	var rows []admin.OutboxView
	if err := json.Unmarshal([]byte(cli(t, m, "outbox", "list", "--all", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	var canceled bool
	for _, r := range rows {
		if r.Case == 2 && r.Kind == "ack" {
			canceled = r.State == "canceled" && strings.Contains(r.LastError, "DMARC")
		}
	}
	if !canceled {
		t.Errorf("case #2's acknowledgement is not canceled for DMARC: %+v", rows)
	}
	if d := showCase(t, m, 2); !strings.Contains(strings.Join(d.Messages[1].Notes, " "), "not sent: the sender failed DMARC") {
		t.Errorf("the case does not say why it was not acknowledged: %+v", d.Messages[1])
	}
}

// TestAgentMailInTheAgentsLanguage: with notify.default_language es, what
// the desk tells agents (summary, SLA due times, command help, errors) is
// in Spanish, day and month names included.
func TestAgentMailInTheAgentsLanguage(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10, func(c *config.Config) { c.Notify.DefaultLanguage = "es" })
	n := openCase(t, m, rcv)
	text := decodedText(t, n)
	for _, want := range []string{"Caso #1: No puedo acceder al panel", "Caso nuevo de Ana García", "Asignado a: nadie todavía",
		"SLA primera respuesta vence lun 30 nov", "Cuenta: cliente.es (premium)", "Responda a este mensaje para contestar al cliente"} {
		if !strings.Contains(text, want) {
			t.Errorf("the notification lacks %q:\n%s", want, text)
		}
	}
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#reslove\nListo.")
	if errMail := decodedText(t, waitTo(t, rcv, luis, 2)[1]); !strings.Contains(errMail, "no se envió al cliente y no cambió nada") {
		t.Errorf("the command error mail is not in Spanish:\n%s", errMail)
	}
}

// TestNoteStaysInternalWhenItsBatchIsRetried: an agent's #note committed in
// a batch with a failing write is filed again alone, still as a note: the
// customer never receives it.
func TestNoteStaysInternalWhenItsBatchIsRetried(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	release, held := make(chan struct{}), make(chan struct{})
	go m.Store.Write(func(*store.Tx) error { close(held); <-release; return nil })
	<-held
	waitPending := func(k int) {
		waitFor(t, fmt.Sprintf("%d pending writes", k), func() bool { return m.Store.Pending() >= k })
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#note\nInternal: this customer still owes us two invoices.")
	}()
	waitPending(1)
	failed := make(chan error, 1)
	go func() { failed <- m.Store.Write(func(*store.Tx) error { return errors.New("a neighbour fails") }) }()
	waitPending(2)
	close(release)
	<-done
	<-failed
	d := showCase(t, m, 1)
	last := d.Messages[len(d.Messages)-1]
	if last.Visibility != "internal" || !strings.Contains(last.Text, "invoices") {
		t.Errorf("the note is recorded as %+v", last)
	}
	time.Sleep(200 * time.Millisecond) // give a wrong relay time to leave
	for _, r := range to(rcv, "ana@cliente.es") {
		if strings.Contains(string(r.Raw), "invoices") {
			t.Error("the internal note reached the customer")
		}
	}
}

// TestReloadChangesTheTeam: agents and accounts change on reload, without
// a restart; open cases keep the account they were opened with.
func TestReloadChangesTheTeam(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	path := filepath.Join(t.TempDir(), "casemail.yaml")
	m.ConfigPath = path
	openCase(t, m, rcv)
	writeFile(t, path, "agents:\n  list: [\"Pedro Ruiz <pedro@example.com>\"]\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	second := firstMail()
	second.MessageID, second.Subject = "second@cliente.es", "Otra consulta"
	mustSend(t, m, second)
	waitTo(t, rcv, "pedro@example.com", 1)
	time.Sleep(100 * time.Millisecond)
	if n := len(to(rcv, luis)); n != 1 {
		t.Errorf("Luis, no longer an agent, got %d notifications; want only case #1's", n)
	}
	if c1, c2 := showCase(t, m, 1), showCase(t, m, 2); c1.Tier != "premium" || c2.Tier != "standard" {
		t.Errorf("tiers after the accounts were removed: #1 %s, #2 %s; want premium (kept) and standard", c1.Tier, c2.Tier)
	}
}

// TestRemovedAgentHearsNoMore: a case's assignee removed from the agents on
// a reload no longer receives its customer's mail; the team does.
func TestRemovedAgentHearsNoMore(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Estamos en ello.")
	waitTo(t, rcv, "ana@cliente.es", 2)
	writeFile(t, m.ConfigPath, "agents:\n  list: [\"Marta Gil <marta@example.com>\"]\naccounts:\n  list: [\"cliente.es premium "+tam+"\"]\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	luisBefore, martaBefore := len(to(rcv, luis)), len(to(rcv, "marta@example.com"))
	reply := firstMail()
	reply.MessageID, reply.Subject, reply.Body = "second@cliente.es", "Re: [Case #1] No puedo acceder al panel", "Mi contraseña nueva es hunter2"
	reply.InReplyTo = msgID(to(rcv, "ana@cliente.es")[1])
	mustSend(t, m, reply)
	waitTo(t, rcv, "marta@example.com", martaBefore+1)
	time.Sleep(200 * time.Millisecond)
	if got := len(to(rcv, luis)) - luisBefore; got != 0 {
		t.Errorf("Luis, removed from the agents, got %d more notification(s) with the customer's text", got)
	}
}

// TestShortenedSLATakesEffectOnOpenCases: a reload that shortens an SLA
// moves the open cases' next checks earlier, so the breach escalates at
// the new due time, not at the time the old SLA scheduled.
func TestShortenedSLATakesEffectOnOpenCases(t *testing.T) {
	m, clk, rcv := agentDesk(t, monday10) // premium: first response due 12:00
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	openCase(t, m, rcv)
	writeFile(t, m.ConfigPath, "agents:\n  list: [\"Luis Pérez <"+luis+">\", \"Marta Gil <marta@example.com>\"]\n"+
		"accounts:\n  list: [\"cliente.es premium "+tam+"\"]\nsla:\n  premium_first_response: 30m\n  remind_before: 10m\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the desk looks at the open cases again
	clk.Set(monday10.Add(40 * time.Minute))
	waitTo(t, rcv, tam, 1) // 10:40: breached since 10:30 under the new SLA
}

// TestFailureToldToTheReloadedTeamAddress: support.team_address changes on
// a reload for the failure notices of unassigned cases too.
func TestFailureToldToTheReloadedTeamAddress(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	writeFile(t, m.ConfigPath, "support:\n  team_address: desk@example.com\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	rcv.failFor("ana@cliente.es", 550)
	mustSend(t, m, firstMail())
	waitFor(t, "the failure notice", func() bool {
		for _, r := range to(rcv, "desk@example.com") {
			if strings.Contains(string(r.Raw), "550") {
				return true
			}
		}
		return false
	})
}

// TestFailedRelayToldToTheAssignee: when the customer's server refuses an
// agent's answer (5xx), the assignee hears of it, not only the case.
func TestFailedRelayToldToTheAssignee(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	rcv.failFor("ana@cliente.es", 550)
	before := len(to(rcv, luis))
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Le enviamos los detalles.")
	waitFor(t, "the failure notice to Luis", func() bool {
		for _, r := range to(rcv, luis)[before:] {
			if strings.Contains(string(r.Raw), "550") {
				return true
			}
		}
		return false
	})
}

// TestAuthResultsHeaderNotBelievedOverSMTP: an Authentication-Results
// header from the trusted authserv-id counts only when the message came
// through the MTA in front (LMTP); over SMTP anyone can write one, so a
// forged agent reply carrying it is held like any other forgery.
func TestAuthResultsHeaderNotBelievedOverSMTP(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10, func(c *config.Config) { c.Agents.TrustedAuthServIDs = []string{"mx.example.com"} })
	n := openCase(t, m, rcv)
	raw := "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n" +
		"From: Luis Pérez <" + luis + ">\r\nTo: " + replyAddr(t, n) + "\r\nSubject: Re: [Case #1] No puedo acceder al panel\r\n" +
		"Message-ID: <forged-ar@evil.example>\r\nIn-Reply-To: <" + msgID(n) + ">\r\n\r\n#resolve\r\nSend your password to billing@evil.example.\r\n"
	if err := send(t, m.SMTPAddr.String(), "attacker@evil.example", []string{replyAddr(t, n)}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d := showCase(t, m, 1)
	if last := d.Messages[len(d.Messages)-1]; last.Visibility != "held" || d.Status == "resolution_proposed" {
		t.Errorf("the forged reply is %s and the case %s: want held and unchanged", last.Visibility, d.Status)
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range to(rcv, "ana@cliente.es") {
		if strings.Contains(string(r.Raw), "billing@evil.example") {
			t.Error("the forged reply reached the customer")
		}
	}
}

// TestAckNeverGoesToReplyTo: the acknowledgement goes to the From address
// (the one the sender check vouches for), never to a Reply-To, which
// anyone can point at a third party to have us mail it their subject.
func TestAckNeverGoesToReplyTo(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	raw := "From: Ana García <ana@cliente.es>\r\nReply-To: victim@third.example\r\nTo: support@example.com\r\n" +
		"Subject: BUY CHEAP PILLS http://spam.example\r\nMessage-ID: <rt@cliente.es>\r\n\r\nhola\r\n"
	if err := send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	waitTo(t, rcv, "ana@cliente.es", 1)
	time.Sleep(200 * time.Millisecond)
	if got := to(rcv, "victim@third.example"); len(got) != 0 {
		t.Errorf("the Reply-To address got %d messages", len(got))
	}
}
