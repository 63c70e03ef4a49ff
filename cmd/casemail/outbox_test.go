package main

import (
	"encoding/json"
	"fmt"
	"mime"
	netmail "net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/replytoken"
)

var madrid = mustLoc("Europe/Madrid")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// friday19 is Friday 27 November 2026, 19:00 in Madrid: after hours.
var friday19 = time.Date(2026, 11, 27, 19, 0, 0, 0, madrid)

// mailOutDaemon starts the daemon at t0 on a fake clock, sending through
// a receiver on loopback.
func mailOutDaemon(t *testing.T, t0 time.Time, mutate ...func(*config.Config)) (*Main, *clock.Fake, *receiver) {
	t.Helper()
	clk := clock.NewFake(t0)
	rcv := startReceiver(t)
	m := startDaemonAt(t, clk, append([]func(*config.Config){func(c *config.Config) {
		c.Outbound.Smarthost = rcv.addr
	}}, mutate...)...)
	return m, clk, rcv
}

// waitMessages waits until the receiver holds n messages, then checks
// that no more arrive while the outbox settles.
func waitMessages(t *testing.T, rcv *receiver, n int) []received {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d delivered messages", n), func() bool { return len(rcv.messages()) >= n })
	time.Sleep(50 * time.Millisecond)
	got := rcv.messages()
	if len(got) != n {
		t.Fatalf("receiver got %d messages, want %d", len(got), n)
	}
	return got
}

// settle gives the outbox time to act on a clock change, then checks the
// receiver still holds exactly n messages.
func settle(t *testing.T, clk *clock.Fake, rcv *receiver, n int) {
	t.Helper()
	// The scheduler sleeps on a fake timer when anything is pending; with
	// nothing pending it waits for a kick and holds no timer.
	for start := time.Now(); clk.Waiters() == 0 && time.Since(start) < time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := len(rcv.messages()); got != n {
		t.Fatalf("receiver got %d messages, want %d", got, n)
	}
}

func outbox(t *testing.T, m *Main) []admin.OutboxView {
	t.Helper()
	var rows []admin.OutboxView
	if err := json.Unmarshal([]byte(cli(t, m, "outbox", "list", "--all", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAcknowledgementLeavesAtOnce(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, friday19)
	mustSend(t, m, firstMail())
	got := waitMessages(t, rcv, 1)[0]
	h := got.Msg.Header
	checks := map[string]bool{
		"From is the support address":     strings.Contains(h.Get("From"), "<support@example.com>") && strings.Contains(h.Get("From"), "Example Support"),
		"To is the customer":              strings.Contains(h.Get("To"), "ana@cliente.es"),
		"subject carries the case tag":    decodeHeader(h.Get("Subject")) == "[Case #1] No puedo acceder al panel",
		"In-Reply-To is the customer's":   h.Get("In-Reply-To") == "<first@cliente.es>",
		"References ends with it":         strings.HasSuffix(h.Get("References"), "<first@cliente.es>"),
		"Message-ID is ours":              strings.HasSuffix(h.Get("Message-Id"), "@example.com>"),
		"Auto-Submitted (RFC 3834)":       h.Get("Auto-Submitted") == "auto-replied",
		"Thread-Index for Outlook":        h.Get("Thread-Index") != "",
		"Thread-Topic":                    h.Get("Thread-Topic") != "",
		"VERP return path with a token":   strings.HasPrefix(got.From, "support+bounce-") && strings.HasSuffix(got.From, "@example.com"),
		"envelope recipient the customer": len(got.To) == 1 && got.To[0] == "ana@cliente.es",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s: header\n%s", what, headerDump(h))
		}
	}
	addr, err := netmail.ParseAddress(h.Get("Reply-To"))
	if err != nil {
		t.Fatalf("Reply-To: %v", err)
	}
	local := strings.TrimPrefix(strings.Split(addr.Address, "@")[0], "support+")
	tok, err := replytoken.Parse([]byte(testTokenKey), local)
	if err != nil || tok.Case != 1 || !tok.IssuedTo("ana@cliente.es") {
		t.Errorf("Reply-To %s: token %+v, %v", addr.Address, tok, err)
	}
	body := string(got.Raw)
	// A Spanish customer, after hours on a Friday: the Spanish text names
	// Monday's window.
	if !strings.Contains(body, "lunes") || !strings.Contains(body, "09:00") {
		t.Errorf("acknowledgement does not say when the next window opens:\n%s", body)
	}
	// The recorded Message-ID threads a reply into the case.
	id := strings.Trim(h.Get("Message-Id"), "<>")
	mustSend(t, m, mail{From: customer, Subject: "Re: algo", MessageID: "r@cliente.es", InReplyTo: id, Body: "más"})
	if cs := listCases(t, m); len(cs) != 1 {
		t.Fatalf("a reply to the acknowledgement opened a new case: %+v", cs)
	}
}

func decodeHeader(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

func headerDump(h netmail.Header) string {
	var b strings.Builder
	for k, v := range h {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(v, " | "))
	}
	return b.String()
}

func relay(t *testing.T, m *Main, n int, extra ...string) admin.OutboxView {
	t.Helper()
	args := append([]string{"cases", "reply", fmt.Sprint(n), "--from", "luis@example.com", "--name", "Luis Pérez",
		"--text", "Hemos reiniciado el servicio; ¿puede probar de nuevo?", "--json"}, extra...)
	var row admin.OutboxView
	if err := json.Unmarshal([]byte(cli(t, m, args...)), &row); err != nil {
		t.Fatal(err)
	}
	return row
}

func TestRelayHeldToBusinessHours(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, friday19)
	mustSend(t, m, firstMail())
	waitMessages(t, rcv, 1) // the acknowledgement, at once
	row := relay(t, m, 1)
	monday9 := time.Date(2026, 11, 30, 9, 0, 0, 0, madrid)
	if row.State != "held" {
		t.Fatalf("relay at Friday 19:00 is %s, want held", row.State)
	}
	settle(t, clk, rcv, 1)
	if rows := outbox(t, m); !rows[0].Due.Equal(monday9) {
		t.Fatalf("held relay due %v, want %v", rows[0].Due, monday9)
	}
	clk.Set(monday9.Add(-time.Minute))
	settle(t, clk, rcv, 1)
	clk.Set(monday9)
	got := waitMessages(t, rcv, 2)[1]
	if from := decodeHeader(got.Msg.Header.Get("From")); from != "Luis Pérez via Example Support <support@example.com>" {
		t.Errorf("relay From = %q", from)
	}
	if got.Msg.Header.Get("Auto-Submitted") != "" {
		t.Error("an agent's relay is marked automatic")
	}
	if !strings.Contains(string(got.Raw), "reiniciado") {
		t.Errorf("relay body lacks the agent's text:\n%s", got.Raw)
	}
	if rows := outbox(t, m); rows[0].State != "sent" || rows[0].Attempts != 1 {
		t.Errorf("relay row after delivery: %+v", rows[0])
	}
	d := showCase(t, m, 1)
	if d.Status != "open" {
		t.Errorf("an agent answered but the case is %s", d.Status)
	}
}

func TestRelayNowIgnoresBusinessHours(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, friday19)
	mustSend(t, m, firstMail())
	waitMessages(t, rcv, 1)
	relay(t, m, 1, "--now")
	waitMessages(t, rcv, 2)
}

func TestHolidaysAndExceptions(t *testing.T) {
	t.Run("a holiday on Monday moves the window to Tuesday", func(t *testing.T) {
		m, clk, rcv := mailOutDaemon(t, friday19, func(c *config.Config) { c.BusinessHours.Holidays = []string{"2026-11-30"} })
		mustSend(t, m, firstMail())
		waitMessages(t, rcv, 1)
		relay(t, m, 1)
		clk.Set(time.Date(2026, 11, 30, 12, 0, 0, 0, madrid))
		settle(t, clk, rcv, 1)
		clk.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, madrid))
		waitMessages(t, rcv, 2)
	})
	t.Run("an exception extends Friday to 20:00", func(t *testing.T) {
		m, _, rcv := mailOutDaemon(t, friday19, func(c *config.Config) { c.BusinessHours.Exceptions = []string{"2026-11-27 09:00-20:00"} })
		mustSend(t, m, firstMail())
		waitMessages(t, rcv, 1)
		relay(t, m, 1)
		waitMessages(t, rcv, 2)
	})
}

func TestReloadReleasesHeldMail(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/casemail.yaml"
	writeFile(t, path, "business_hours:\n  timezone: Europe/Madrid\n")
	m, clk, rcv := mailOutDaemon(t, friday19)
	m.ConfigPath = path
	mustSend(t, m, firstMail())
	waitMessages(t, rcv, 1)
	relay(t, m, 1)
	settle(t, clk, rcv, 1)
	// A bad file is refused and changes nothing.
	writeFile(t, path, "business_hours:\n  friday: [\"25:00-26:00\"]\n")
	if err := m.Reload(); err == nil {
		t.Fatal("an invalid configuration was accepted")
	}
	settle(t, clk, rcv, 1)
	// Today's hours extended to 21:00: the held relay leaves now. The file
	// keeps the other keys the daemon was started with, as an operator's
	// would.
	writeFile(t, path, fmt.Sprintf("smtp:\n  listen: %s\nadmin:\n  listen: %s\nstore:\n  path: %s\n"+
		"business_hours:\n  exceptions: [\"2026-11-27 09:00-21:00\"]\n", m.Config.SMTP.Listen, m.Config.Admin.Listen, m.Config.Store.Path))
	if err := m.Reload(); err != nil {
		t.Fatal(err)
	}
	waitMessages(t, rcv, 2)
}

func TestTemporaryFailuresRetriedOnce(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, time.Date(2026, 11, 30, 10, 0, 0, 0, madrid))
	rcv.failNext(451, 451)
	mustSend(t, m, firstMail())
	waitFor(t, "first attempt", func() bool { r := outbox(t, m); return len(r) == 1 && r[0].Attempts == 1 && r[0].State == "deferred" })
	settle(t, clk, rcv, 0)
	clk.Advance(4 * time.Minute) // the first retry waits about 5 minutes
	settle(t, clk, rcv, 0)
	clk.Advance(2 * time.Minute)
	waitFor(t, "second attempt", func() bool { r := outbox(t, m); return r[0].Attempts == 2 && r[0].State == "deferred" })
	clk.Advance(12 * time.Minute) // then about 10
	waitMessages(t, rcv, 1)
	settle(t, clk, rcv, 1)
	clk.Advance(24 * time.Hour)
	settle(t, clk, rcv, 1)
	row := outbox(t, m)[0]
	if row.State != "sent" || row.Attempts != 3 || len(row.History) != 3 || row.History[0].Code != 451 {
		t.Errorf("row = %+v", row)
	}
}

func TestPermanentFailureToldToTeam(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, time.Date(2026, 11, 30, 10, 0, 0, 0, madrid), func(c *config.Config) {
		c.Support.TeamAddress = "team@example.com"
	})
	rcv.failFor("ana@cliente.es", 550)
	mustSend(t, m, firstMail())
	// The team hears of the new case and of the failed acknowledgement,
	// in either order (the acknowledgement waits for the sender check).
	var told bool
	for _, got := range waitMessages(t, rcv, 2) {
		told = told || got.To[0] == "team@example.com" && strings.Contains(string(got.Raw), "550")
	}
	if !told {
		t.Errorf("the team was not told of the 550: %+v", rcv.messages())
	}
	var ack admin.OutboxView
	for _, r := range outbox(t, m) {
		if r.Kind == "ack" {
			ack = r
		}
	}
	if ack.State != "failed" || ack.Attempts != 1 {
		t.Fatalf("ack row = %+v", ack)
	}
	found := false
	for _, msg := range showCase(t, m, 1).Messages {
		found = found || msg.Direction == "internal" && strings.Contains(msg.Text, "550")
	}
	if !found {
		t.Error("the failure is not recorded on the case")
	}
}

func TestBounceToVERPMarksFailedWithoutNewCase(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, time.Date(2026, 11, 30, 10, 0, 0, 0, madrid))
	mustSend(t, m, firstMail())
	ack := waitMessages(t, rcv, 1)[0]
	dsn := "From: MAILER-DAEMON@mx.cliente.es\r\nTo: " + ack.From + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <dsn1@mx.cliente.es>\r\nContent-Type: text/plain\r\n\r\n<ana@cliente.es>: user unknown\r\n"
	if err := send(t, m.SMTPAddr.String(), "", []string{ack.From}, []byte(dsn)); err != nil {
		t.Fatal(err)
	}
	if cs := listCases(t, m); len(cs) != 1 {
		t.Fatalf("a bounce opened a case: %+v", cs)
	}
	waitFor(t, "ack marked failed", func() bool {
		for _, r := range outbox(t, m) {
			if r.Kind == "ack" {
				return r.State == "failed" && strings.Contains(r.LastError, "bounced")
			}
		}
		return false
	})
	if msgs := showCase(t, m, 1).Messages; !containsID(msgs, "dsn1@mx.cliente.es") {
		t.Error("the bounce is not filed in its case")
	}
}

func containsID(msgs []admin.MessageView, id string) bool {
	for _, m := range msgs {
		if m.MessageID == id {
			return true
		}
	}
	return false
}

func TestOutboxControls(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, friday19)
	mustSend(t, m, firstMail())
	waitMessages(t, rcv, 1)
	r1 := relay(t, m, 1)
	r2 := relay(t, m, 1)
	var out admin.OutboxView
	json.Unmarshal([]byte(cli(t, m, "outbox", "cancel", fmt.Sprint(r1.ID), "--json")), &out)
	if out.State != "canceled" {
		t.Fatalf("cancel: %+v", out)
	}
	cli(t, m, "outbox", "send-now", fmt.Sprint(r2.ID))
	waitMessages(t, rcv, 2)
	var stderr strings.Builder
	if code := run(t.Context(), []string{"outbox", "retry", fmt.Sprint(r1.ID)}, &strings.Builder{}, &stderr); code == 0 || !strings.Contains(stderr.String(), "canceled") {
		t.Errorf("retry of a canceled message: exit %d, %s", code, stderr.String())
	}
	if out := cli(t, m, "outbox", "list"); !strings.Contains(out, "STATE") {
		t.Errorf("outbox list: %s", out)
	}
}

// TestConfigFileChangeReloads edits the configuration file under a running
// daemon, as an operator would, and the held relay leaves without SIGHUP.
func TestConfigFileChangeReloads(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/casemail.yaml"
	writeFile(t, path, "business_hours:\n  timezone: Europe/Madrid\n")
	m, clk, rcv := mailOutDaemon(t, friday19)
	m.ConfigPath = path
	stop := m.WatchConfig()
	defer stop()
	mustSend(t, m, firstMail())
	waitMessages(t, rcv, 1)
	relay(t, m, 1)
	settle(t, clk, rcv, 1)
	// Written the way editors do: a new file renamed over the old one.
	tmp := dir + "/.casemail.yaml.swp"
	writeFile(t, tmp, "business_hours:\n  saturday: [\"00:00-24:00\"]\n  friday: [\"09:00-24:00\"]\n")
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitMessages(t, rcv, 2)
}
