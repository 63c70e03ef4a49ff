package main

// Attacks found by a hostile review, each replayed end to end: every test
// fails if the hole it names opens again. The comments describe the attack
// as it worked before the fix.

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/support"
)

// Attack: a stranger who got any mail from us (here: the ack of his own case)
// returns a forged DSN to its VERP path naming ana@cliente.es as the failed
// recipient. ana gets suppressed: her next acknowledgement is refused.
func TestSecurityForgedDSNSuppressesVictim(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	mustSend(t, m, mail{From: "Eve <eve@evil.example>", To: "support@example.com", Subject: "hello",
		MessageID: "eve1@evil.example", Body: "I need help with my invoice."})
	ack := waitTo(t, rcv, "eve@evil.example", 1)[0]
	// Eve's DSN names Ana, not Eve.
	if err := send(t, m.SMTPAddr.String(), "", []string{ack.From}, accDSN(ack.From, accAna, "", "evedsn@evil.example")); err != nil {
		t.Fatal(err)
	}
	for _, s := range accSuppressions(t, m) {
		if s.Address == accAna {
			t.Errorf("a stranger's DSN for his own ack suppressed %s: %+v", accAna, s)
		}
	}
}

// Attack: the same without VERP, linked by the ack's Message-ID to the plain
// support address.
func TestSecurityForgedDSNByMessageIDSuppressesVictim(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	mustSend(t, m, mail{From: "Eve <eve@evil.example>", To: "support@example.com", Subject: "hello",
		MessageID: "eve1@evil.example", Body: "I need help with my invoice."})
	ack := waitTo(t, rcv, "eve@evil.example", 1)[0]
	dsn := accDSN("support@example.com", accAna, msgID(ack), "evedsn2@evil.example")
	if err := send(t, m.SMTPAddr.String(), "", []string{"support@example.com"}, dsn); err != nil {
		t.Fatal(err)
	}
	for _, s := range accSuppressions(t, m) {
		if strings.EqualFold(s.Address, accAna) {
			t.Errorf("suppressed %s via a DSN for eve's ack: %+v", accAna, s)
		}
	}
}

// Attack: no From header. mailparse takes Sender (or Reply-To) as From; mailauth
// sees no From domain, DMARC "none", so forged() is false and the held ack
// is released to the victim — even at a p=reject domain, with the forger's
// subject.
func TestSecurityAckToReplyToWhenNoFrom(t *testing.T) {
	for _, hdr := range []string{"Reply-To", "Sender"} {
		t.Run(hdr, func(t *testing.T) {
			m, _, rcv := agentDesk(t, monday10)
			raw := hdr + ": Ana <ana@cliente.es>\r\nTo: support@example.com\r\n" +
				"Subject: BUY CHEAP PILLS http://spam.example\r\nMessage-ID: <nofrom@evil.example>\r\n\r\nhola\r\n"
			if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			waitTo(t, rcv, luis, 1) // the team heard of the case
			waitFor(t, "sender check", func() bool { return showCase(t, m, 1).Messages[0].Auth != nil })
			time.Sleep(300 * time.Millisecond)
			for _, r := range to(rcv, accAna) {
				t.Errorf("a forged From-less mail (%s: ana, p=reject) got ana an ack: %q", hdr, decodeHeader(r.Msg.Header.Get("Subject")))
			}
		})
	}
}

// Attack: the Zendesk attack without a From header: Sender: ana + [Case #1].
// mailauth sees no From domain -> DMARC none -> not marked, not held even
// with hold_dmarc_failures, and "confirm" resolves ana's case.
func TestSecurityForgedConfirmWithoutFrom(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10, func(c *config.Config) { c.Agents.CustomerDMARC = "hold" })
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#resolve\nReinicie el navegador.")
	waitFor(t, "proposed", func() bool { return showCase(t, m, 1).Status == "resolution_proposed" })
	raw := "Sender: Ana <ana@cliente.es>\r\nTo: support@example.com\r\nSubject: Re: [Case #1] No puedo acceder al panel\r\n" +
		"Message-ID: <confirm@evil.example>\r\n\r\nconfirm\r\n"
	if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d := showCase(t, m, 1)
	if d.Status == "resolved" {
		t.Errorf("a forged, From-less 'confirm' resolved ana's case; last message %+v", d.Messages[len(d.Messages)-1])
	}
}

// Attack: the header parsers differ: mailparse trims a leading blank line (or
// BOM, or leading spaces) before the header; mailauth's readHeader ends the
// header at once and sees no From. Same effect as no From at all.
func TestSecurityAckHiddenFromBehindLeadingBlankLine(t *testing.T) {
	for name, prefix := range map[string]string{"blank line": "\r\n", "BOM": "\xef\xbb\xbf", "space": " "} {
		t.Run(name, func(t *testing.T) {
			m, _, rcv := agentDesk(t, monday10)
			raw := prefix + "From: Ana <ana@cliente.es>\r\nTo: support@example.com\r\n" +
				"Subject: BUY CHEAP PILLS http://spam.example\r\nMessage-ID: <lead@evil.example>\r\n\r\nhola\r\n"
			if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "sender check", func() bool {
				cs := listCases(t, m)
				return len(cs) == 1 && showCase(t, m, 1).Messages[0].Auth != nil
			})
			v := showCase(t, m, 1).Messages[0]
			time.Sleep(300 * time.Millisecond)
			for _, r := range to(rcv, accAna) {
				t.Errorf("customer %s, auth %+v: ana got %q", showCase(t, m, 1).Customer, *v.Auth, decodeHeader(r.Msg.Header.Get("Subject")))
			}
		})
	}
}

// Attack: a TAM removed from accounts on a reload keeps hearing the customer's
// text (assignee) and keeps acting (relay to the customer) on every case
// opened while he was TAM: desk.agent() falls back to c.TAM.
func TestSecurityRemovedTAMKeepsActing(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#assign "+tam)
	waitFor(t, "assigned", func() bool { return showCase(t, m, 1).Assignee == tam })
	reply := firstMail()
	reply.MessageID, reply.Subject, reply.Body = "r1@cliente.es", "Re: [Case #1] x", "Sigue igual."
	reply.InReplyTo = "first@cliente.es"
	mustSend(t, m, reply)
	tn := waitTo(t, rcv, tam, 1)[0]
	// The TAM leaves the company: accounts no longer name him.
	writeFile(t, m.ConfigPath, "agents:\n  list: [\"Luis Pérez <"+luis+">\", \"Marta Gil <marta@example.com>\"]\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	reply.MessageID, reply.Body = "r2@cliente.es", "Mi contraseña nueva es hunter2"
	mustSend(t, m, reply)
	time.Sleep(200 * time.Millisecond)
	for _, r := range to(rcv, tam)[1:] {
		if strings.Contains(decodedText(t, r), "hunter2") {
			t.Errorf("the removed TAM still gets the customer's text")
		}
	}
	before := len(to(rcv, accAna))
	agentReply(t, m, tam, replyAddr(t, tn), msgID(tn), "#kind information\nPague a la cuenta ES00 0000 0000.")
	time.Sleep(200 * time.Millisecond)
	if got := to(rcv, accAna)[before:]; len(got) > 0 {
		t.Errorf("the removed TAM's text was relayed to the customer: %q", decodedText(t, got[0]))
	}
	if k := showCase(t, m, 1).Kind; k == "information" {
		t.Errorf("the removed TAM changed the kind")
	}
}

// R1c: the same forged DSN names an agent: every later notification to him
// is refused as suppressed (and a failed notice is only noted internally).
func TestSecurityForgedDSNSilencesAgent(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	mustSend(t, m, mail{From: "Eve <eve@evil.example>", To: "support@example.com", Subject: "hello",
		MessageID: "eve1@evil.example", Body: "I need help with my invoice."})
	ack := waitTo(t, rcv, "eve@evil.example", 1)[0]
	waitTo(t, rcv, luis, 1)
	if err := send(t, m.SMTPAddr.String(), "", []string{ack.From}, accDSN(ack.From, luis, "", "evedsn3@evil.example")); err != nil {
		t.Fatal(err)
	}
	mustSend(t, m, firstMail())
	waitTo(t, rcv, "marta@example.com", 2)
	time.Sleep(300 * time.Millisecond)
	if got := len(to(rcv, luis)); got != 2 {
		t.Errorf("Luis got %d notifications after a stranger's DSN named him; want 2", got)
	}
}

// Attack: the loopback admin API (no token by default) takes a cross-site
// "simple" POST: text/plain body, an Origin of any web page. A page the
// operator visits relays its text to the customer. (GETs are open to DNS
// rebinding the same way: no Host check.)
func TestSecurityAdminCSRF(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	openCase(t, m, rcv)
	body := `{"from":"luis@example.com","name":"Luis","text":"Pague a ES00 0000 0000","now":true}`
	req, _ := http.NewRequest("POST", "http://"+m.AdminAddr.String()+"/api/v1/cases/1/reply", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Host = "rebind.evil.example:8025"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		waitTo(t, rcv, accAna, 2)
		t.Errorf("a cross-site text/plain POST (Host %s) relayed to the customer: %d", req.Host, resp.StatusCode)
	}
}

// Attack: "held for review" notices to the real agent are not governed: every
// forged From: luis mail that joins any case (here by In-Reply-To of the
// forger's own ack) mails Luis once, without bound.
func TestSecurityHeldNoticesUnbounded(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	mustSend(t, m, mail{From: "Eve <eve@evil.example>", To: "support@example.com", Subject: "hello",
		MessageID: "eve1@evil.example", Body: "I need help with my invoice."})
	ack := waitTo(t, rcv, "eve@evil.example", 1)[0]
	before := len(waitTo(t, rcv, luis, 1))
	const n = 60
	for i := 0; i < n; i++ {
		raw := fmt.Sprintf("From: \"Luis: URGENT wire 9000 EUR to ES00 0000\" <%s>\r\nTo: support@example.com\r\nSubject: Re: x\r\n"+
			"Message-ID: <held%d@evil.example>\r\nIn-Reply-To: <%s>\r\n\r\nx %d\r\n", luis, i, msgID(ack), i)
		if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	if got := len(to(rcv, luis)) - before; got > 5 {
		t.Errorf("%d forged mails made %d 'held for review' notices to Luis: no bound", n, got)
	}
}

// Attack: a vacation reply sent, as RFC 3834 §4 says, to the Return-Path (our
// VERP address) is taken for a bounce: the relay is marked failed and the
// assignee is told delivery failed.
func TestSecurityOOOToVERPMarksRelayFailed(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "¿Puede enviarnos el registro?")
	relay := waitTo(t, rcv, accAna, 2)[1]
	ooo := mail{From: customer, To: relay.From, Subject: "Respuesta automática: Re: [Case #1]", MessageID: "ooo@cliente.es", InReplyTo: msgID(relay),
		Extra: "Auto-Submitted: auto-replied\r\n", Body: "Estoy fuera de la oficina hasta el lunes."}
	if err := send(t, m.SMTPAddr.String(), "", []string{relay.From}, ooo.bytes()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range outbox(t, m) {
		if r.Kind == "response" && r.State == "failed" {
			t.Errorf("an out-of-office to the VERP path failed the relay: %+v", r)
		}
	}
}

// Attack: a From address longer than bbolt's 32 KiB key limit (a quoted local
// part folded over many lines) makes the governor's rate key too large:
// the filing write fails every time (451 for ever, never filed nor
// quarantined) and every group-commit batch it joins fails and is redone
// one write per transaction.
func TestSecurityHugeFromFailsEveryBatch(t *testing.T) {
	m, _, _ := agentDesk(t, monday10)
	var b strings.Builder
	b.WriteString("From: \"")
	for i := 0; i < 40; i++ {
		b.WriteString(strings.Repeat("a", 900) + "\r\n ")
	}
	b.WriteString("\"@evil.example\r\nTo: support@example.com\r\nSubject: x\r\nMessage-ID: <huge@evil.example>\r\n\r\nbody\r\n")
	err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(b.String()))
	if err != nil {
		code, msg := replyCode(t, err)
		t.Errorf("a message with a 36 KB From got %d %s: neither filed nor quarantined, retried for ever", code, msg)
	}
}

// Attack: default customer_dmarc "mark": a forged From: ana (DMARC fail under
// p=reject) with the public [Case #1] tag is marked, yet its "confirm"
// resolves the case.
func TestSecurityForgedConfirmDefaultMark(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#resolve\nReinicie el navegador.")
	waitFor(t, "proposed", func() bool { return showCase(t, m, 1).Status == "resolution_proposed" })
	raw := "From: Ana <ana@cliente.es>\r\nTo: support@example.com\r\nSubject: Re: [Case #1] No puedo acceder al panel\r\n" +
		"Message-ID: <confirm2@evil.example>\r\n\r\nconfirm\r\n"
	if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d := showCase(t, m, 1)
	last := d.Messages[len(d.Messages)-1]
	if d.Status == "resolved" {
		t.Errorf("a DMARC-failed forged 'confirm' resolved the case (notes %q)", last.Notes)
	}
}

// Attack: a case whose customer address is over 32 KiB can be opened when no
// acknowledgement is governed (forged under p=reject: no ack); once an
// agent proposes a resolution, the reminder's governor key is too large,
// check() fails, the case is never rescheduled and the timer loop spins.
func TestSecurityHugeCustomerSpinsTimers(t *testing.T) {
	m, clk, rcv := agentDesk(t, monday10)
	var b strings.Builder
	b.WriteString("From: \"")
	for i := 0; i < 40; i++ {
		b.WriteString(strings.Repeat("a", 900) + "\r\n ")
	}
	b.WriteString("\"@cliente.es\r\nTo: support@example.com\r\nSubject: x\r\nMessage-ID: <huge2@evil.example>\r\nIn-Reply-To: <nothing@nowhere>\r\n\r\nbody\r\n")
	if err := send(t, m.SMTPAddr.String(), "eve@evil.example", []string{"support@example.com"}, []byte(b.String())); err != nil {
		t.Fatalf("filing: %v", err)
	}
	n := waitTo(t, rcv, luis, 1)[0]
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#resolve\nDone.")
	waitFor(t, "proposed", func() bool { return showCase(t, m, 1).Status == "resolution_proposed" })
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before := cpu()
	clk.Set(time.Date(2026, 12, 3, 9, 0, 0, 0, madrid)) // the confirm reminder is due
	time.Sleep(500 * time.Millisecond)
	if d := cpu() - before; d > 250*time.Millisecond {
		t.Errorf("%v CPU in 500 ms of idle: the desk timer loop spins on the case it cannot check", d)
	}
}

// Attack: failure notices go to c.Assignee unchecked: an agent removed on a
// reload still hears of the customer's failed deliveries.
func TestSecurityRemovedAgentHearsFailures(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Estamos en ello.")
	waitTo(t, rcv, accAna, 2)
	writeFile(t, m.ConfigPath, "agents:\n  list: [\"Marta Gil <marta@example.com>\"]\n")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	before := len(to(rcv, luis))
	rcv.failFor(accAna, 550)
	if _, err := m.Outbox.Relay(1, support.Address{Name: "Marta", Address: "marta@example.com"}, "Le llamamos mañana.", support.OutResponse, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if got := to(rcv, luis)[before:]; len(got) > 0 {
		t.Errorf("Luis, removed, got %d failure notice(s): %q", len(got), decodedText(t, got[0]))
	}
}
