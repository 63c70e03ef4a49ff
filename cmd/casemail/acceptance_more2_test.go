package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/replytoken"
)

// acc2ServeConfigEnv makes this test binary run `casemail serve --config
// FILE` (TestMain's CASEMAIL_TEST_DAEMON runs serve without --config, so
// its daemon has nothing to reload).
const acc2ServeConfigEnv = "CASEMAIL_ACC2_SERVE_CONFIG"

func init() {
	if path := os.Getenv(acc2ServeConfigEnv); path != "" {
		systemResolver = testDNS // sender checks never touch the network
		os.Exit(run(context.Background(), []string{"serve", "--config", path}, os.Stdout, os.Stderr))
	}
}

// acc2Log is a daemon's standard error, kept for the test to read.
type acc2Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *acc2Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *acc2Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// acc2ServeProc runs the daemon as a process on the configuration file
// path and waits until its SMTP and admin listeners accept.
func acc2ServeProc(t *testing.T, path, smtpAddr, adminAddr string) (*exec.Cmd, *acc2Log) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), acc2ServeConfigEnv+"="+path)
	log := &acc2Log{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", log)
		}
	})
	for _, a := range []string{smtpAddr, adminAddr} {
		waitFor(t, "daemon listening on "+a, func() bool {
			if cmd.ProcessState != nil {
				t.Fatalf("daemon exited: %s", log)
			}
			c, err := net.DialTimeout("tcp", a, 100*time.Millisecond)
			if err == nil {
				c.Close()
			}
			return err == nil
		})
	}
	return cmd, log
}

// TestAcc2SIGHUPReload: the real daemon (a process run with --config)
// rereads its file on SIGHUP. Closed business hours hold an agent's relay;
// an invalid file is refused with the bad key in the log and the relay stays
// held; a file opening the hours now releases it.
//
// FILE is a symlink into another directory, and the test rewrites the file
// it points at: the daemon's watcher (which reloads on changes to FILE in
// FILE's directory) sees nothing, so only the SIGHUP can reload.
func TestAcc2SIGHUPReload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon process")
	}
	rcv := startReceiver(t)
	dir := t.TempDir()
	smtpAddr, adminAddr := freeAddr(t), freeAddr(t)
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "real", "casemail.yaml")
	path := filepath.Join(dir, "casemail.yaml")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	// Every weekday open all day in UTC; today and tomorrow closed by
	// exceptions (tomorrow too, should the test cross midnight).
	today := time.Now().UTC()
	week := "  timezone: UTC\n"
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		week += "  " + d + ": [\"00:00-24:00\"]\n"
	}
	conf := func(hours string) string {
		return fmt.Sprintf("support:\n  addresses: [support@example.com]\nthreading:\n  token_key: %s\n"+
			"smtp:\n  listen: %s\nadmin:\n  listen: %s\nstore:\n  path: %s\nlog:\n  level: info\n"+
			"outbound:\n  smarthost: %s\n  tls: \"off\"\n  ack: immediate\n  response: business_hours\n"+
			"business_hours:\n%s", testTokenKey, smtpAddr, adminAddr, filepath.Join(dir, "casemail.db"), rcv.addr, week+hours)
	}
	closed := fmt.Sprintf("  exceptions: [\"%s closed\", \"%s closed\"]\n", today.Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly))
	writeFile(t, target, conf(closed))
	proc, log := acc2ServeProc(t, path, smtpAddr, adminAddr)
	tcp, err := net.ResolveTCPAddr("tcp", adminAddr)
	if err != nil {
		t.Fatal(err)
	}
	d := &Main{AdminAddr: tcp} // the CLI only needs the admin address

	if err := send(t, smtpAddr, "ana@cliente.es", []string{"support@example.com"}, firstMail().bytes()); err != nil {
		t.Fatalf("open the case: %v", err)
	}
	waitTo(t, rcv, "ana@cliente.es", 1) // the acknowledgement leaves at once
	row := relay(t, d, 1)
	if row.State != "held" {
		t.Fatalf("relay while closed: %+v, want held", row)
	}
	waitFor(t, "the relay held until the next opening, the day after tomorrow", func() bool {
		for _, r := range outbox(t, d) {
			if r.ID == row.ID {
				return r.State == "held" && r.Due.After(time.Now().Add(time.Hour))
			}
		}
		return false
	})

	// An invalid file that would open the hours now: refused, nothing
	// changes, and the log names the key.
	hup := func(what string) {
		t.Helper()
		before := strings.Count(log.String(), "configuration reload")
		if err := proc.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the daemon to act on SIGHUP ("+what+")", func() bool {
			return strings.Count(log.String(), "configuration reload") > before
		})
	}
	writeFile(t, target, conf("  holidays: [\"2026-13-45\"]\n"))
	hup("invalid file")
	time.Sleep(300 * time.Millisecond) // give a wrongly released relay time to leave
	if n := len(to(rcv, "ana@cliente.es")); n != 1 {
		t.Errorf("after the invalid file the customer has %d messages, want 1: the relay left", n)
	}
	if rows := outbox(t, d); !acc2RowIs(rows, row.ID, "held") {
		t.Errorf("the relay is not held after the invalid file: %+v", rows)
	}
	if l := log.String(); !strings.Contains(l, "configuration reload refused") || !strings.Contains(l, "business_hours.holidays") {
		t.Errorf("the log does not refuse the file naming business_hours.holidays:\n%s", l)
	}

	// The hours open now: the held relay is delivered.
	writeFile(t, target, conf(""))
	hup("hours open")
	got := waitTo(t, rcv, "ana@cliente.es", 2)[1]
	if !strings.Contains(decodedText(t, got), "reiniciado") || !strings.Contains(decodeHeader(got.Msg.Header.Get("From")), "via") {
		t.Errorf("the released relay: From %q\n%s", got.Msg.Header.Get("From"), decodedText(t, got))
	}
	waitFor(t, "the relay row sent", func() bool { return acc2RowIs(outbox(t, d), row.ID, "sent") })
}

func acc2RowIs(rows []admin.OutboxView, id uint64, state string) bool {
	for _, r := range rows {
		if r.ID == id {
			return r.State == state
		}
	}
	return false
}

// TestAcc2TAMAnswersLikeAnAgent: the premium account's TAM, escalated to on
// an SLA breach, answers from the escalation; the answer reaches the
// customer as an agent's relay and is filed as an agent's public message.
func TestAcc2TAMAnswersLikeAnAgent(t *testing.T) {
	// Opened Friday 17:00: first response due Monday 10:00 (see
	// TestSLAReminderAndTAMEscalation).
	m, clk, rcv := agentDesk(t, time.Date(2026, 11, 27, 17, 0, 0, 0, madrid), func(c *config.Config) {
		c.Accounts.List = []string{"cliente.es premium Teresa Ruiz <" + tam + ">"}
	})
	openCase(t, m, rcv)
	clk.Set(time.Date(2026, 11, 30, 8, 59, 0, 0, madrid))
	settle(t, clk, rcv, len(rcv.messages()))
	clk.Set(time.Date(2026, 11, 30, 9, 0, 0, 0, madrid)) // the reminder
	waitTo(t, rcv, luis, 2)
	clk.Set(time.Date(2026, 11, 30, 9, 59, 0, 0, madrid))
	settle(t, clk, rcv, len(rcv.messages()))
	clk.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, madrid)) // the breach
	esc := waitTo(t, rcv, tam, 1)[0]
	if !strings.Contains(string(esc.Raw), "Escalation") {
		t.Fatalf("the TAM's mail is not the escalation:\n%s", esc.Raw)
	}
	replyTo := replyAddr(t, esc)
	tok, err := replytoken.Parse([]byte(testTokenKey), strings.TrimSuffix(strings.TrimPrefix(replyTo, "support+"), "@example.com"))
	if err != nil || tok.Case != 1 || !tok.IssuedTo(tam) {
		t.Fatalf("the escalation's Reply-To %s: token %+v, %v; want case 1 issued to the TAM", replyTo, tok, err)
	}
	customerBefore := len(to(rcv, "ana@cliente.es"))
	const answer = "Soy su gestor técnico: el error 500 venía de un certificado caducado; ya está renovado."
	agentReply(t, m, tam, replyTo, msgID(esc), answer)

	got := waitTo(t, rcv, "ana@cliente.es", customerBefore+1)[customerBefore]
	text := decodedText(t, got)
	if !strings.Contains(text, answer) {
		t.Errorf("the customer did not get the TAM's text:\n%s", text)
	}
	// Relayed from the support address, as any agent's answer, under the
	// TAM's name: the TAM's own address never leaves.
	if from := strings.ReplaceAll(decodeHeader(got.Msg.Header.Get("From")), `"`, ""); from != "Teresa Ruiz via Example Support <support@example.com>" {
		t.Errorf("the relay's From = %q, want the TAM's name via the support address", from)
	}
	if r := got.Msg.Header.Get("Reply-To"); !strings.Contains(r, "support+") {
		t.Errorf("the relay's Reply-To %q carries no token for the customer", r)
	}
	if got.Msg.Header.Get("Auto-Submitted") != "" {
		t.Error("the TAM's answer is marked automatic")
	}
	d := showCase(t, m, 1)
	var filed *admin.MessageView
	for i := range d.Messages {
		if strings.Contains(d.Messages[i].Text, "certificado caducado") && d.Messages[i].Direction == "inbound" {
			filed = &d.Messages[i]
		}
	}
	if filed == nil {
		t.Fatalf("the TAM's answer is not in the case: %+v", d.Messages)
	}
	if filed.Author != "agent" || filed.Visibility != "public" || filed.From != tam {
		t.Errorf("the TAM's answer is filed as author %q visibility %q from %q, want agent, public, %s", filed.Author, filed.Visibility, filed.From, tam)
	}
	if strings.TrimSpace(filed.Text) != answer {
		t.Errorf("the filed text is %q, want %q", filed.Text, answer)
	}
}

// TestAcc2OutOfOfficeKeepsSLA: a customer's out-of-office auto-reply
// changes neither the case's status nor its SLA due times, whatever the
// case is doing: running its first-response clock, waiting on the
// customer, or proposing a resolution (clocks paused).
func TestAcc2OutOfOfficeKeepsSLA(t *testing.T) {
	for _, tc := range []struct {
		name, command, status string
	}{
		{"new case", "", "new"},
		{"waiting on the customer", "#status waiting\n¿Puede enviarnos el registro?", "waiting"},
		{"resolution proposed", "#resolve\nHemos reiniciado el servidor.", "resolution_proposed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, clk, rcv := agentDesk(t, monday10)
			n := openCase(t, m, rcv)
			last := waitTo(t, rcv, "ana@cliente.es", 1)[0] // the acknowledgement
			if tc.command != "" {
				agentReply(t, m, luis, replyAddr(t, n), msgID(n), tc.command)
				last = waitTo(t, rcv, "ana@cliente.es", 2)[1]
			}
			// Half an hour later the out-of-office answers the last mail; the
			// due times are compared at that same instant.
			clk.Set(monday10.Add(30 * time.Minute))
			settle(t, clk, rcv, len(rcv.messages()))
			before := showCase(t, m, 1)
			if before.Status != tc.status {
				t.Fatalf("status %s before the out-of-office, want %s", before.Status, tc.status)
			}
			if tc.command == "" && len(before.SLA) == 0 {
				t.Fatal("a new premium case shows no SLA due times")
			}
			mails := len(rcv.messages())
			ooo := mail{From: customer, Subject: "Respuesta automática: " + decodeHeader(last.Msg.Header.Get("Subject")), MessageID: "ooo@cliente.es",
				InReplyTo: msgID(last), Extra: "Auto-Submitted: auto-replied\r\n", Body: "Estoy fuera de la oficina hasta el lunes."}
			mustSend(t, m, ooo)
			after := showCase(t, m, 1)
			if !containsID(after.Messages, "ooo@cliente.es") {
				t.Error("the out-of-office reply is not recorded in the case")
			}
			if after.Status != before.Status {
				t.Errorf("the out-of-office reply changed the status %s → %s", before.Status, after.Status)
			}
			if !reflect.DeepEqual(acc2Dues(after.SLA), acc2Dues(before.SLA)) {
				t.Errorf("the out-of-office reply changed the SLA due times:\nbefore %v\nafter  %v", acc2Dues(before.SLA), acc2Dues(after.SLA))
			}
			settle(t, clk, rcv, mails) // and sent nothing
		})
	}
}

// acc2Dues is an SLA as comparable strings ("first_response 2026-11-30T12:00:00Z").
func acc2Dues(ds []admin.Due) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s %s", d.Clock, d.At.UTC().Format(time.RFC3339)))
	}
	return out
}
