package main

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMWith50Sessions stops the daemon while 50 SMTP sessions are
// open: the listener closes, every session is told 421 (or finishes), and
// the process exits within smtp.stop_timeout.
func TestSIGTERMWith50Sessions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon process")
	}
	dbPath := filepath.Join(t.TempDir(), "casemail.db")
	addr := freeAddr(t)
	d := startProcEnv(t, dbPath, addr, []string{"CASEMAIL_SMTP_STOP_TIMEOUT=2s"})
	var conns []net.Conn
	var readers []*bufio.Reader
	for i := 0; i < 50; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		r.ReadString('\n') // greeting
		c.Write([]byte("EHLO client.example\r\n"))
		for {
			line, err := r.ReadString('\n')
			if err != nil || strings.HasPrefix(line, "250 ") {
				break
			}
		}
		conns = append(conns, c)
		readers = append(readers, r)
	}
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	told := make([]string, len(conns))
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conns[i].SetReadDeadline(time.Now().Add(10 * time.Second))
			line, _ := readers[i].ReadString('\n')
			told[i] = line
		}(i)
	}
	wg.Wait()
	err := d.cmd.Wait()
	elapsed := time.Since(start)
	if err != nil {
		t.Errorf("daemon exit: %v", err)
	}
	if elapsed > 4*time.Second {
		t.Errorf("stop took %v with a 2s stop timeout", elapsed)
	}
	n421 := 0
	for _, l := range told {
		if strings.HasPrefix(l, "421") {
			n421++
		}
	}
	if n421 != len(conns) {
		t.Errorf("%d of %d idle sessions were told 421: e.g. %q", n421, len(conns), told[0])
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts after stop")
	}
}
