package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/config"
)

// TestSendingPolicyPerKind: outbound.ack and outbound.response choose, per
// kind, between leaving at once and waiting for business hours.
func TestSendingPolicyPerKind(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, friday19, func(c *config.Config) {
		c.Outbound.Ack, c.Outbound.Response = config.PolicyBusinessHours, config.PolicyImmediate
	})
	mustSend(t, m, firstMail())
	settle(t, clk, rcv, 0) // the acknowledgement waits for Monday 09:00
	relay(t, m, 1)
	waitMessages(t, rcv, 1) // the agent's response leaves at once
	if got := rcv.messages()[0]; !strings.Contains(string(got.Raw), "reiniciado") {
		t.Fatalf("the first message out is not the relay:\n%s", got.Raw)
	}
	clk.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, madrid))
	waitMessages(t, rcv, 2)
}

// TestUpdateAndNowByMail: an agent's #update written at 20:00 is a progress
// update held to the next window; #now sends at once.
func TestUpdateAndNowByMail(t *testing.T) {
	evening := time.Date(2026, 11, 30, 20, 0, 0, 0, madrid)
	m, clk, rcv := agentDesk(t, evening)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#update\nSeguimos revisando los registros del servidor.")
	// Queued held, the scheduler places it in the next window.
	waitFor(t, "a progress update held to Tuesday 09:00", func() bool {
		for _, r := range outbox(t, m) {
			if r.Kind == "update" {
				return r.State == "held" && r.Due.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, madrid))
			}
		}
		return false
	})
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "#now\nHemos encontrado el fallo.")
	got := waitTo(t, rcv, "ana@cliente.es", 2)[1] // the ack, then the #now reply
	if !strings.Contains(decodedText(t, got), "Hemos encontrado el fallo") {
		t.Errorf("the #now reply is not what left at once:\n%s", got.Raw)
	}
	clk.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, madrid))
	upd := waitTo(t, rcv, "ana@cliente.es", 3)[2]
	if text := decodedText(t, upd); !strings.Contains(text, "Seguimos revisando") || !strings.Contains(text, "#1") {
		t.Errorf("the progress update that left at 09:00:\n%s", text)
	}
}

// TestAssignedCaseNotifiesOnlyTheAssignee: once an agent has answered,
// the customer's replies go to that agent, not the whole team.
func TestAssignedCaseNotifiesOnlyTheAssignee(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Estamos en ello.")
	answer := waitTo(t, rcv, "ana@cliente.es", 2)[1]
	luisBefore, martaBefore := len(to(rcv, luis)), len(to(rcv, "marta@example.com"))
	reply := firstMail()
	reply.MessageID, reply.Subject, reply.Body = "r2@cliente.es", "Re: [Case #1] No puedo acceder al panel", "Sigue sin funcionar."
	reply.InReplyTo = msgID(answer)
	mustSend(t, m, reply)
	waitTo(t, rcv, luis, luisBefore+1)
	time.Sleep(200 * time.Millisecond)
	if got := len(to(rcv, "marta@example.com")) - martaBefore; got != 0 {
		t.Errorf("Marta got %d notifications of Luis's case", got)
	}
}

// TestAgentCcNeverReceivesTheRelay: the relay of an agent's answer is built
// from our headers only: extra To and Cc addresses in the agent's reply
// never receive it.
func TestAgentCcNeverReceivesTheRelay(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10)
	n := openCase(t, m, rcv)
	raw := "From: Luis Pérez <" + luis + ">\r\nTo: " + replyAddr(t, n) + ", boss@partner.example\r\nCc: gossip@partner.example\r\n" +
		"Subject: Re: [Case #1] No puedo acceder al panel\r\nMessage-ID: <cc1.agent@example.com>\r\nIn-Reply-To: <" + msgID(n) + ">\r\n\r\nYa está resuelto.\r\n"
	if err := send(t, m.SMTPAddr.String(), luis, []string{replyAddr(t, n)}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	relayed := waitTo(t, rcv, "ana@cliente.es", 2)[1]
	if h := relayed.Msg.Header.Get("To") + relayed.Msg.Header.Get("Cc"); strings.Contains(h, "partner.example") {
		t.Errorf("the relay names the agent's extra recipients: %s", h)
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range rcv.messages() {
		if strings.Contains(strings.Join(r.To, ","), "partner.example") {
			t.Errorf("mail went to %v", r.To)
		}
	}
}

// TestEscalationAddressForAccountsWithoutTAM: a standard customer's SLA
// breach goes to agents.escalation_address.
func TestEscalationAddressForAccountsWithoutTAM(t *testing.T) {
	m, clk, rcv := agentDesk(t, monday10, func(c *config.Config) {
		c.Accounts.List = nil
		c.Agents.EscalationAddress = "escalations@example.com"
	})
	mustSend(t, m, firstMail())
	waitTo(t, rcv, "ana@cliente.es", 1)
	clk.Set(monday10.Add(7 * 24 * time.Hour)) // long past every standard due time
	waitTo(t, rcv, "escalations@example.com", 1)
}

// TestCustomerDMARCHold: with agents.customer_dmarc: hold, a reply that
// fails DMARC on an existing case is held for review and changes nothing.
func TestCustomerDMARCHold(t *testing.T) {
	m, _, rcv := agentDesk(t, monday10, func(c *config.Config) { c.Agents.CustomerDMARC = "hold" })
	openCase(t, m, rcv)
	raw := "From: Ana García <ana@cliente.es>\r\nTo: support@example.com\r\nSubject: Re: [Case #1] No puedo acceder al panel\r\n" +
		"Message-ID: <hold@evil.example>\r\nIn-Reply-To: <first@cliente.es>\r\n\r\nChange the billing address please.\r\n"
	if err := send(t, m.SMTPAddr.String(), "bounce@evil.example", []string{"support@example.com"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d := showCase(t, m, 1)
	if last := d.Messages[len(d.Messages)-1]; last.Visibility != "held" || d.Status != "new" {
		t.Errorf("the DMARC-failing reply is %s and the case %s; want held and unchanged", last.Visibility, d.Status)
	}
}

// TestAckLanguage: the acknowledgement is in the language the customer's
// mail declares (Content-Language), else the one its words show, else
// notify.default_language.
func TestAckLanguage(t *testing.T) {
	tests := []struct {
		name, extra, body, want string
	}{
		{"declared English on a Spanish body", "Content-Language: en\r\n", "Hola, el panel da error 500 desde esta mañana.", "We have received"},
		{"Spanish words", "", "Hola, el panel da error 500 desde esta mañana y no podemos trabajar.", "Hemos recibido"},
		{"nothing to tell: the default", "", "500 500 500", "Hemos recibido"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, rcv := mailOutDaemon(t, monday10, func(c *config.Config) { c.Notify.DefaultLanguage = "es" })
			msg := firstMail()
			msg.Extra, msg.Body = tt.extra, tt.body
			mustSend(t, m, msg)
			if text := decodedText(t, waitMessages(t, rcv, 1)[0]); !strings.Contains(text, tt.want) {
				t.Errorf("acknowledgement:\n%s\nwant %q", text, tt.want)
			}
		})
	}
}

// TestRetriesBackOffAndGiveUp: a destination that keeps answering 4xx is
// retried at growing intervals (retry_min doubling, capped at retry_max,
// ±10%), then the message fails for good once it is max_age old, with the
// reason, and the team is told.
func TestRetriesBackOffAndGiveUp(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, monday10, func(c *config.Config) {
		c.Outbound.RetryMin, c.Outbound.RetryMax, c.Outbound.MaxAge = 5*time.Minute, 20*time.Minute, 2*time.Hour
		c.Support.TeamAddress = "team@example.com"
	})
	codes := make([]int, 100)
	for i := range codes {
		codes[i] = 451
	}
	rcv.failFor("ana@cliente.es", codes...)
	mustSend(t, m, firstMail())
	ack := func() admin.OutboxView {
		for _, r := range outbox(t, m) {
			if r.Kind == "ack" {
				return r
			}
		}
		t.Fatal("no acknowledgement row")
		return admin.OutboxView{}
	}
	var gaps []time.Duration
	for attempts := 1; ; attempts++ {
		waitFor(t, fmt.Sprintf("attempt %d", attempts), func() bool { r := ack(); return r.Attempts == attempts && r.State != "sending" })
		r := ack()
		if r.State == "failed" {
			if !strings.Contains(r.LastError, "gave up after 2h0m0s") || !strings.Contains(r.LastError, "451") {
				t.Errorf("the final error %q does not say it gave up, and why", r.LastError)
			}
			break
		}
		if r.State != "deferred" || attempts > 20 {
			t.Fatalf("attempt %d left the row %s", attempts, r.State)
		}
		gap := r.Due.Sub(clk.Now())
		gaps = append(gaps, gap)
		clk.Set(r.Due)
	}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 20 * time.Minute}
	for i, g := range gaps {
		w := want[min(i, len(want)-1)]
		if g < w*9/10 || g > w*11/10 {
			t.Errorf("retry %d after %v, want %v ±10%% (all gaps %v)", i+1, g, w, gaps)
		}
	}
	waitFor(t, "the team told of the failure", func() bool {
		for _, r := range to(rcv, "team@example.com") {
			if strings.Contains(string(r.Raw), "gave up") {
				return true
			}
		}
		return false
	})
}

// TestFirstAnswerAssignsAndWaitsForHours: an agent's plain reply written
// after hours makes them the assignee at once and reaches the customer
// when the next window opens; a second agent's answer does not take the
// case over.
func TestFirstAnswerAssignsAndWaitsForHours(t *testing.T) {
	evening := time.Date(2026, 11, 30, 20, 0, 0, 0, madrid)
	m, clk, rcv := agentDesk(t, evening)
	n := openCase(t, m, rcv)
	agentReply(t, m, luis, replyAddr(t, n), msgID(n), "Lo miramos mañana a primera hora.")
	if d := showCase(t, m, 1); d.Assignee != luis {
		t.Fatalf("after Luis's answer the assignee is %q", d.Assignee)
	}
	marta := to(rcv, "marta@example.com")[0]
	agentReply(t, m, "marta@example.com", replyAddr(t, marta), msgID(marta), "Yo también lo reviso.")
	if d := showCase(t, m, 1); d.Assignee != luis {
		t.Errorf("a second agent's answer made %q the assignee", d.Assignee)
	}
	settle(t, clk, rcv, len(rcv.messages()))
	if got := len(to(rcv, "ana@cliente.es")); got != 1 {
		t.Fatalf("the customer got %d messages before the window opened, want only the acknowledgement", got)
	}
	clk.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, madrid))
	waitTo(t, rcv, "ana@cliente.es", 3)
}
