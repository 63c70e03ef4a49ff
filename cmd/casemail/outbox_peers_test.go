package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/config"
	gosmtp "github.com/emersion/go-smtp"
)

// TestOutboxSurvivesKill9 queues 100 acknowledgements while the smarthost
// is down, kills the daemon with SIGKILL, brings the smarthost up and
// restarts the daemon: all 100 arrive, none twice.
func TestOutboxSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the daemon process")
	}
	dbPath := filepath.Join(t.TempDir(), "casemail.db")
	addr, smarthost := freeAddr(t), freeAddr(t)
	env := []string{"CASEMAIL_OUTBOUND_SMARTHOST=" + smarthost, "CASEMAIL_OUTBOUND_TLS=off",
		"CASEMAIL_OUTBOUND_RETRY_MIN=1s", "CASEMAIL_OUTBOUND_RETRY_MAX=2s"}
	d := startProcEnv(t, dbPath, addr, env)
	const n = 100
	for i := 0; i < n; i++ {
		msg := mail{From: fmt.Sprintf("c%d@load.example", i), To: "support@example.com",
			Subject: fmt.Sprintf("case %d", i), MessageID: fmt.Sprintf("q%d@load.example", i), Body: "hola"}
		if err := sendQuiet(addr, msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	time.Sleep(300 * time.Millisecond) // let some attempts fail and be deferred
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()

	rcv := startReceiverAt(t, smarthost)
	d = startProcEnv(t, dbPath, addr, env)
	defer func() { d.cmd.Process.Signal(syscall.SIGTERM); d.cmd.Wait() }()
	waitFor(t, "100 acknowledgements", func() bool { return len(rcv.messages()) >= n })
	time.Sleep(3 * time.Second) // past any retry time: a duplicate would show now
	ids := map[string]int{}
	for _, m := range rcv.messages() {
		ids[m.Msg.Header.Get("Message-Id")]++
	}
	dup := 0
	for id, c := range ids {
		if c > 1 {
			dup++
			t.Errorf("%s delivered %d times", id, c)
		}
	}
	t.Logf("queued=%d delivered=%d distinct=%d duplicated=%d", n, len(rcv.messages()), len(ids), dup)
	if len(ids) != n {
		t.Fatalf("delivered %d distinct acknowledgements, want %d", len(ids), n)
	}
}

func startProcEnv(t *testing.T, dbPath, addr string, env []string) *daemonProc {
	t.Helper()
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v) // the child inherits them; Setenv undoes them after the test
	}
	return startProc(t, dbPath, addr)
}

func startReceiverAt(t *testing.T, addr string) *receiver {
	t.Helper()
	r := &receiver{t: t, notify: make(chan struct{}, 1000), addr: addr}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &recvSession{r: r}, nil
	}))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

// TestHeadersThroughPostfixSmtpSink sends through Postfix's smtp-sink,
// which dumps what it receives to files, and checks the threading and
// RFC 3834 headers there.
func TestHeadersThroughPostfixSmtpSink(t *testing.T) {
	sink, err := exec.LookPath("smtp-sink")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/smtp-sink"); err2 != nil {
			t.Skip("smtp-sink not installed (scripts/install-test-peers.sh installs postfix)")
		}
		sink = "/usr/sbin/smtp-sink"
	}
	// smtp-sink writes as nobody, who cannot enter t.TempDir()'s 0700
	// parents: the dump directory must sit directly under /tmp.
	dump, err := os.MkdirTemp("", "casemail-sink-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	os.Chmod(dump, 0o777)
	addr := freeAddr(t)
	args := []string{"-d", dump + "/%M.", addr, "10"}
	if os.Getuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(sink, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, "smtp-sink listening", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	clk := clock.NewFake(time.Date(2026, 11, 30, 10, 0, 0, 0, madrid))
	m := startDaemonAt(t, clk, func(c *config.Config) { c.Outbound.Smarthost = addr })
	first := firstMail()
	first.Extra = "Thread-Index: AdnB3f8Axq7U5RG9TkKqV1F4d1GnQw==\r\nThread-Topic: No puedo acceder al panel\r\n"
	mustSend(t, m, first)
	var files []string
	waitFor(t, "smtp-sink dump", func() bool {
		files, _ = filepath.Glob(filepath.Join(dump, "*"))
		return len(files) > 0
	})
	time.Sleep(100 * time.Millisecond) // the dump is written as it arrives
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("dump is not a message: %v\n%s", err, raw)
	}
	h := msg.Header
	want := map[string]*regexp.Regexp{
		"Message-Id":     regexp.MustCompile(`^<case1\.[0-9a-f]+@example\.com>$`),
		"In-Reply-To":    regexp.MustCompile(`^<first@cliente\.es>$`),
		"References":     regexp.MustCompile(`<first@cliente\.es>$`),
		"Auto-Submitted": regexp.MustCompile(`^auto-replied$`),
		"From":           regexp.MustCompile(`^"?Example Support"? <support@example\.com>$`),
		"Reply-To":       regexp.MustCompile(`^("Example Support" )?<support\+[a-z2-7]+@example\.com>$`),
		"X-Mail-Args":    regexp.MustCompile(`^<support\+bounce-[a-z2-7]+@example\.com>`),
	}
	// Outlook groups the reply under the customer's message when our
	// Thread-Index extends theirs by one 5-byte level.
	parent, _ := base64.StdEncoding.DecodeString("AdnB3f8Axq7U5RG9TkKqV1F4d1GnQw==")
	child, err := base64.StdEncoding.DecodeString(h.Get("Thread-Index"))
	if err != nil || len(child) != len(parent)+5 || !bytes.HasPrefix(child, parent) {
		t.Errorf("Thread-Index %q does not extend the customer's", h.Get("Thread-Index"))
	}
	for k, re := range want {
		if v := h.Get(k); !re.MatchString(v) {
			t.Errorf("%s = %q, want %s", k, v, re)
		}
	}
}
