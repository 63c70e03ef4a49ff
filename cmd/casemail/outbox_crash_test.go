package main

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// stallingSmarthost accepts mail but never answers the final dot: the
// daemon is mid-delivery for as long as the test likes.
func stallingSmarthost(t *testing.T, addr string) (inData *atomic.Int32, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	inData = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("220 stall ESMTP\r\n"))
				r := bufio.NewReader(c)
				data := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case data && cmd == ".":
						inData.Add(1) // and never answer
					case data:
					case strings.HasPrefix(cmd, "EHLO"):
						c.Write([]byte("250 stall\r\n"))
					case cmd == "DATA":
						data = true
						c.Write([]byte("354 go on\r\n"))
					default:
						c.Write([]byte("250 ok\r\n"))
					}
				}
			}()
		}
	}()
	return inData, func() { l.Close() }
}

// TestOutboxKill9DuringDelivery kills the daemon while the smarthost holds
// an acknowledgement's DATA unanswered; after a restart with the smarthost
// working, the message is delivered.
func TestOutboxKill9DuringDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills the daemon process")
	}
	dbPath := filepath.Join(t.TempDir(), "casemail.db")
	addr, smarthost := freeAddr(t), freeAddr(t)
	env := []string{"CASEMAIL_OUTBOUND_SMARTHOST=" + smarthost, "CASEMAIL_OUTBOUND_TLS=off",
		"CASEMAIL_OUTBOUND_RETRY_MIN=1m", "CASEMAIL_OUTBOUND_RETRY_MAX=1h"}
	inData, stop := stallingSmarthost(t, smarthost)
	d := startProcEnv(t, dbPath, addr, env)
	if err := sendQuiet(addr, firstMail()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the acknowledgement stuck in DATA", func() bool { return inData.Load() == 1 })
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	stop()

	rcv := startReceiverAt(t, smarthost)
	start := time.Now()
	d = startProcEnv(t, dbPath, addr, env)
	defer func() { d.cmd.Process.Signal(syscall.SIGTERM); d.cmd.Wait() }()
	// The first interruption is retried at once, not after retry_min (1m).
	waitFor(t, "delivery after the restart", func() bool { return len(rcv.messages()) == 1 })
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("redelivery took %v", el)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(rcv.messages()); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}
