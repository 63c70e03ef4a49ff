package smtpd

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestShutdown: 50 sessions, 30 idle and 20 in the middle of DATA. Idle
// ones are told 421 4.3.2 at once; those in DATA finish, get their 250,
// then the 421; Shutdown returns as soon as all are gone.
func TestShutdown(t *testing.T) {
	rec := &recorder{}
	s := New(rec, testOptions())
	addr := start(t, s)

	var idle, busy []*client
	for i := range 50 {
		c := dial(t, "tcp", addr)
		if i%5 < 3 {
			c.expect(220, "")
			if i%2 == 0 { // some have not even said EHLO
				c.send("EHLO client.test\r\n")
				c.expect(250, "")
			}
			idle = append(idle, c)
		} else {
			c.open("EHLO")
			c.send("Subject: in flight\r\n\r\nfirst half, ")
			busy = append(busy, c)
		}
	}

	began := time.Now()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()

	for _, c := range idle {
		c.expect(421, "4.3.2 Service shutting down")
		c.expectClosed()
	}
	// The listener is closed: nobody new gets in.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.SetDeadline(time.Now().Add(time.Second))
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		if strings.HasPrefix(string(buf[:n]), "220") {
			t.Errorf("a new connection was greeted during shutdown: %q", buf[:n])
		}
		c.Close()
	}

	var wg sync.WaitGroup
	for _, c := range busy {
		wg.Go(func() {
			c.send("second half\r\n.\r\n")
			c.expect(250, "2.0.0 Ok: case #")
			c.expect(421, "4.3.2 ")
			c.expectClosed()
		})
	}
	wg.Wait()

	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	got := rec.delivered()
	if len(got) != len(busy) {
		t.Fatalf("%d messages delivered, want %d", len(got), len(busy))
	}
	for _, raw := range got {
		if !strings.HasSuffix(string(raw), "first half, second half\r\n") {
			t.Errorf("delivered %q", raw)
		}
	}
}

// TestShutdownForced: a session that never finishes is closed when the
// context ends, and Shutdown says so.
func TestShutdownForced(t *testing.T) {
	rec := &recorder{}
	s := New(rec, testOptions())
	addr := start(t, s)
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	c.send("Subject: never ends\r\n\r\n")

	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the context's error", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	c.expectClosed()
	if n := len(rec.delivered()); n != 0 {
		t.Errorf("%d delivered", n)
	}
}

// TestShutdownBetweenCommands: a session inside a transaction but between
// commands (MAIL given, no DATA yet) may finish it; RSET ends it, with the
// 421 in place of the reply.
func TestShutdownBetweenCommands(t *testing.T) {
	s := New(&recorder{}, testOptions())
	addr := start(t, s)
	c := dial(t, "tcp", addr)
	c.expect(220, "")
	c.send("EHLO client.test\r\nMAIL FROM:<ana@cliente.es>\r\n")
	c.expect(250, "")
	c.expect(250, "")
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	c.send("RCPT TO:<support@example.com>\r\n")
	c.expect(250, "")
	c.send("RSET\r\n")
	// Had Shutdown not begun yet, RSET gets its 250 and the 421 follows.
	if code, text := c.reply(); code == 250 {
		c.expect(421, "4.3.2 ")
	} else if code != 421 {
		t.Fatalf("RSET: %d %s", code, text)
	}
	c.expectClosed()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
