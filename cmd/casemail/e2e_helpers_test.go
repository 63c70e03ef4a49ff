package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
)

const testTokenKey = "test-token-key-0123456789abcdef0123456789"

// TestMain lets the durability tests run this test binary as the daemon
// itself (CASEMAIL_TEST_DAEMON=1), so that SIGKILL hits the real serve path.
func TestMain(m *testing.M) {
	if os.Getenv("CASEMAIL_TEST_DAEMON") == "1" {
		systemResolver = testDNS
		os.Exit(run(context.Background(), []string{"serve"}, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startDaemon runs the daemon the binary runs, on loopback ports chosen by
// the kernel, with its store in a temporary directory.
func startDaemon(t *testing.T, mutate ...func(*config.Config)) *Main {
	t.Helper()
	return startDaemonAt(t, nil, mutate...)
}

// startDaemonAt is startDaemon with a fake clock (nil: the real one).
func startDaemonAt(t *testing.T, clk *clock.Fake, mutate ...func(*config.Config)) *Main {
	t.Helper()
	cfg := config.Default()
	cfg.SMTP.Listen = "127.0.0.1:0"
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Store.Path = filepath.Join(t.TempDir(), "casemail.db")
	cfg.Threading.TokenKey = testTokenKey
	cfg.Log.Level = "warn"
	// Mail out goes to a closed port unless a test starts a receiver.
	cfg.Outbound.Smarthost = "127.0.0.1:1"
	cfg.Outbound.TLS = "off"
	for _, f := range mutate {
		f(cfg)
	}
	m := NewMain(cfg, newLogger(cfg.Log, testWriter{t}))
	m.Resolver = testDNS // sender checks never touch the network
	if clk != nil {
		m.Clock = clk
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start daemon: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("daemon: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// mail is a message as a customer's client would write it.
type mail struct {
	From, To, Subject, MessageID, InReplyTo, References, Body string
	Extra                                                     string // more header lines
}

func (m mail) bytes() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\n", m.From, m.To, m.Subject)
	if m.MessageID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.MessageID)
	}
	if m.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.InReplyTo)
	}
	if m.References != "" {
		fmt.Fprintf(&b, "References: %s\r\n", m.References)
	}
	b.WriteString(m.Extra)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// send delivers raw with net/smtp, as any SMTP client would, and returns
// the server's error reply (a *textproto.Error) or nil for 250.
func send(t *testing.T, addr, from string, rcpts []string, raw []byte) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	if err := c.Hello("client.example.org"); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func mustSend(t *testing.T, m *Main, msg mail) {
	t.Helper()
	if err := send(t, m.SMTPAddr.String(), addrOf(msg.From), []string{"support@example.com"}, msg.bytes()); err != nil {
		t.Fatalf("send %q: %v", msg.Subject, err)
	}
}

func addrOf(from string) string {
	if i := strings.IndexByte(from, '<'); i >= 0 {
		return strings.Trim(from[i:], "<>")
	}
	return from
}

func replyCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var te *textproto.Error
	if !errors.As(err, &te) {
		t.Fatalf("want an SMTP error reply, got %v", err)
	}
	return te.Code, te.Msg
}

// cli runs a casemail subcommand against the running daemon and returns
// its standard output.
func cli(t *testing.T, m *Main, args ...string) string {
	t.Helper()
	t.Setenv("CASEMAIL_ADMIN_LISTEN", m.AdminAddr.String())
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("casemail %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

func listCases(t *testing.T, m *Main) []admin.CaseSummary {
	t.Helper()
	var cases []admin.CaseSummary
	if err := json.Unmarshal([]byte(cli(t, m, "cases", "list", "--json")), &cases); err != nil {
		t.Fatalf("cases list --json: %v", err)
	}
	return cases
}

func showCase(t *testing.T, m *Main, n int) admin.CaseDetail {
	t.Helper()
	var d admin.CaseDetail
	if err := json.Unmarshal([]byte(cli(t, m, "cases", "show", fmt.Sprint(n), "--json")), &d); err != nil {
		t.Fatalf("cases show --json: %v", err)
	}
	return d
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func dialSMTP(addr string) (*smtp.Client, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := c.Hello("client.example.org"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// inbound counts the customer-side messages of a case (our own mail, such
// as the acknowledgement, is in the case too).
func inbound(d admin.CaseDetail) int {
	n := 0
	for _, m := range d.Messages {
		if m.Direction == "inbound" {
			n++
		}
	}
	return n
}
