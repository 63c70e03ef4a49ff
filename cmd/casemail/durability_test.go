package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casemail/casemail/store"
)

// daemonProc is the real binary path (this test binary re-executed with
// CASEMAIL_TEST_DAEMON=1), so SIGKILL hits a real process with a real
// file lock and page cache.
type daemonProc struct {
	cmd  *exec.Cmd
	addr string
}

func startProc(t *testing.T, dbPath, addr string) *daemonProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"CASEMAIL_TEST_DAEMON=1",
		"CASEMAIL_SMTP_LISTEN="+addr,
		"CASEMAIL_STORE_PATH="+dbPath,
		"CASEMAIL_ADMIN_LISTEN=127.0.0.1:0",
		"CASEMAIL_LOG_LEVEL="+envOr("CASEMAIL_LOG_LEVEL", "warn"),
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "daemon listening on "+addr, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return &daemonProc{cmd: cmd, addr: addr}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestKill9MidStream sends messages from several clients, kills the daemon
// with SIGKILL while they are in flight, restarts it, and lets the clients
// retry what was not acknowledged, as an MTA would. Every message that got a
// 250 must be stored, and every message exactly once.
func TestKill9MidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the daemon process")
	}
	dbPath := filepath.Join(t.TempDir(), "casemail.db")
	addr := freeAddr(t)
	const clients, perClient = 8, 60
	d := startProc(t, dbPath, addr)

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				id := fmt.Sprintf("kill-%d-%d@load.example", c, i)
				msg := mail{From: fmt.Sprintf("c%d@load.example", c), To: "support@example.com",
					Subject: fmt.Sprintf("load %d %d", c, i), MessageID: id, Body: "x"}
				// Retry until acknowledged, across the kill and restart.
				for {
					if err := sendQuiet(addr, msg); err == nil {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}(c)
	}
	// Kill once a fair share is acknowledged, while clients are mid-send.
	waitFor(t, "first acknowledgements", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= clients*perClient/4
	})
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	mu.Lock()
	ackedAtKill := len(acked)
	mu.Unlock()
	d = startProc(t, dbPath, addr)
	wg.Wait()
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("daemon did not stop cleanly on SIGTERM: %v", err)
	}

	st, err := store.Open(dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids, err := st.IncomingMessageIDs()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, id := range ids {
		count[id]++
	}
	lost, dup := 0, 0
	for id := range acked {
		if count[id] == 0 {
			lost++
		}
	}
	for id, n := range count {
		if n > 1 {
			dup++
			t.Errorf("%s stored %d times", id, n)
		}
	}
	t.Logf("acknowledged=%d (at kill: %d) stored=%d lost=%d duplicated=%d", len(acked), ackedAtKill, len(ids), lost, dup)
	if lost != 0 || len(acked) != clients*perClient || len(ids) != clients*perClient {
		t.Fatalf("lost %d acknowledged messages; acked %d, stored %d, want %d", lost, len(acked), len(ids), clients*perClient)
	}
}

func sendQuiet(addr string, m mail) error {
	c, err := dialSMTP(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail(addrOf(m.From)); err != nil {
		return err
	}
	if err := c.Rcpt("support@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.bytes()); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
