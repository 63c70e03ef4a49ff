package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
)

// gatedDNS is testDNS that answers only once open is closed (never: a
// resolver that is down).
type gatedDNS struct{ open chan struct{} }

func (g gatedDNS) wait(ctx context.Context) error {
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (g gatedDNS) LookupTXT(ctx context.Context, n string) ([]string, error) {
	if err := g.wait(ctx); err != nil {
		return nil, err
	}
	return testDNS.LookupTXT(ctx, n)
}
func (g gatedDNS) LookupIPAddr(ctx context.Context, h string) ([]net.IPAddr, error) {
	if err := g.wait(ctx); err != nil {
		return nil, err
	}
	return testDNS.LookupIPAddr(ctx, h)
}
func (g gatedDNS) LookupMX(ctx context.Context, n string) ([]*net.MX, error) {
	if err := g.wait(ctx); err != nil {
		return nil, err
	}
	return testDNS.LookupMX(ctx, n)
}
func (g gatedDNS) LookupAddr(ctx context.Context, a string) ([]string, error) {
	if err := g.wait(ctx); err != nil {
		return nil, err
	}
	return testDNS.LookupAddr(ctx, a)
}

// gatedDesk starts the daemon with one agent, the given DNS and store
// file, and a receiver standing in for the smarthost.
func gatedDesk(t *testing.T, clk *clock.Fake, dns gatedDNS, db string, rcv *receiver, checkTimeout time.Duration) *Main {
	t.Helper()
	cfg := config.Default()
	cfg.SMTP.Listen, cfg.Admin.Listen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Store.Path = db
	cfg.Threading.TokenKey = testTokenKey
	cfg.Log.Level = "warn"
	cfg.Outbound.Smarthost, cfg.Outbound.TLS = rcv.addr, "off"
	cfg.Agents.List = []string{"Luis Pérez <" + luis + ">"}
	m := NewMain(cfg, newLogger(cfg.Log, testWriter{t}))
	m.Clock, m.Resolver, m.SenderCheckTimeout = clk, dns, checkTimeout
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// forgery is mail with Ana's From (cliente.es publishes DMARC p=reject)
// sent from evil.example, with extra headers.
func forgery(extra string) []byte {
	return []byte("From: Ana García <ana@cliente.es>\r\nTo: support@example.com\r\nSubject: Change the billing e-mail\r\n" +
		extra + "Message-ID: <spoof@evil.example>\r\n\r\nPlease send invoices to billing@evil.example from now on.\r\n")
}

func sendForgery(t *testing.T, m *Main, extra string) {
	t.Helper()
	if err := send(t, m.SMTPAddr.String(), "bounce@evil.example", []string{"support@example.com"}, forgery(extra)); err != nil {
		t.Fatal(err)
	}
}

// forgedAcks counts the acknowledgements of the forgery Ana received.
func forgedAcks(rcv *receiver) int {
	n := 0
	for _, r := range to(rcv, "ana@cliente.es") {
		if strings.Contains(r.Msg.Header.Get("Subject"), "billing") {
			n++
		}
	}
	return n
}

// TestForgeryClaimingACaseGetsNoAck: a forgery that claims a case (a
// reference, a case tag) is checked before filing; when it opens a new
// case anyway, it gets no acknowledgement either.
func TestForgeryClaimingACaseGetsNoAck(t *testing.T) {
	for name, extra := range map[string]string{
		"in-reply-to": "In-Reply-To: <nothing@evil.example>\r\n",
		"case tag":    "X-Tag: 1\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			m, _, rcv := agentDesk(t, monday10)
			raw := forgery(extra)
			if name == "case tag" {
				raw = []byte(strings.Replace(string(raw), "Subject: ", "Subject: [Case #999] ", 1))
			}
			if err := send(t, m.SMTPAddr.String(), "bounce@evil.example", []string{"support@example.com"}, raw); err != nil {
				t.Fatal(err)
			}
			v := showCase(t, m, 1).Messages[0]
			if v.Auth == nil || v.Auth.DMARC != "fail" || !strings.Contains(strings.Join(v.Notes, " "), "no acknowledgement") {
				t.Errorf("the forgery is recorded with auth %+v, notes %q", v.Auth, v.Notes)
			}
			time.Sleep(300 * time.Millisecond)
			if n := forgedAcks(rcv); n != 0 {
				t.Errorf("the forged From got %d acknowledgement(s)", n)
			}
		})
	}
}

// TestAckHeldWhileTheCheckRuns: with the DNS down the acknowledgement
// waits; the check ends when its lookups time out (temperror, not a
// forgery) and the acknowledgement leaves then.
func TestAckHeldWhileTheCheckRuns(t *testing.T) {
	rcv := startReceiver(t)
	m := gatedDesk(t, clock.NewFake(monday10), gatedDNS{open: make(chan struct{})}, filepath.Join(t.TempDir(), "c.db"), rcv, 2*time.Second)
	t.Cleanup(func() { m.Close() })
	mustSend(t, m, firstMail())
	time.Sleep(300 * time.Millisecond)
	if n := len(to(rcv, "ana@cliente.es")); n != 0 {
		t.Fatalf("acknowledged before the sender check ended: %d messages", n)
	}
	if out := cli(t, m, "cases", "show", "1"); !strings.Contains(out, "Sender: check pending") {
		t.Errorf("cases show does not say the check is pending:\n%s", out)
	}
	waitTo(t, rcv, "ana@cliente.es", 1)
	if a := showCase(t, m, 1).Messages[0].Auth; a == nil || a.DMARC == "fail" {
		t.Errorf("after the timeout the check recorded %+v", a)
	}
}

// TestReloadKeepsAckHeldForItsCheck: a reload reschedules held mail into
// the new windows, but an acknowledgement waiting for its sender check
// keeps waiting, and the forgery found then gets none.
func TestReloadKeepsAckHeldForItsCheck(t *testing.T) {
	rcv := startReceiver(t)
	gate := gatedDNS{open: make(chan struct{})}
	m := gatedDesk(t, clock.NewFake(monday10), gate, filepath.Join(t.TempDir(), "c.db"), rcv, time.Minute)
	t.Cleanup(func() { m.Close() })
	m.ConfigPath = filepath.Join(t.TempDir(), "casemail.yaml")
	writeFile(t, m.ConfigPath, "agents:\n  list: [\"Luis Pérez <"+luis+">\"]\n")
	sendForgery(t, m, "")
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	close(gate.open) // the check ends: DMARC fails under p=reject
	waitFor(t, "the check", func() bool { return showCase(t, m, 1).Messages[0].Auth != nil })
	time.Sleep(300 * time.Millisecond)
	if n := forgedAcks(rcv); n != 0 {
		t.Errorf("the forged From got %d acknowledgement(s)", n)
	}
}

// TestRestartKeepsAckHeldForItsCheck: the daemon stops while a check is
// pending and starts again long after: the outbox, which needs no DNS,
// does not send the overdue acknowledgement before the check has ended.
func TestRestartKeepsAckHeldForItsCheck(t *testing.T) {
	clk := clock.NewFake(monday10)
	rcv := startReceiver(t)
	db := filepath.Join(t.TempDir(), "c.db")
	m := gatedDesk(t, clk, gatedDNS{open: make(chan struct{})}, db, rcv, time.Minute)
	sendForgery(t, m, "")
	time.Sleep(200 * time.Millisecond)
	m.Close() // the check was cut short: its mark stays
	clk.Advance(time.Hour)
	slow := gatedDNS{open: make(chan struct{})}
	time.AfterFunc(200*time.Millisecond, func() { close(slow.open) })
	m2 := gatedDesk(t, clk, slow, db, rcv, time.Minute)
	t.Cleanup(func() { m2.Close() })
	waitFor(t, "the check", func() bool { return showCase(t, m2, 1).Messages[0].Auth != nil })
	time.Sleep(300 * time.Millisecond)
	if n := forgedAcks(rcv); n != 0 {
		t.Errorf("after the restart the forged From got %d acknowledgement(s)", n)
	}
}
