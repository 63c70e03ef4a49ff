package smtpd

import (
	"strings"
	"testing"
	"time"
)

// TestAccLineTooLong: a line of the message longer than MaxLineLength is
// refused with 500 5.5.0 after the client's final dot and nothing is
// delivered; a line just under the limit is fine.
func TestAccLineTooLong(t *testing.T) {
	opt := testOptions()
	opt.MaxLineLength = 1000
	rec := &recorder{}
	addr := start(t, New(rec, opt))
	head := "From: ana@cliente.es\r\nTo: support@example.com\r\nSubject: long line\r\n\r\n"

	ok := dial(t, "tcp", addr)
	ok.open("EHLO")
	ok.send(head + strings.Repeat("a", 900) + "\r\nfin\r\n.\r\n")
	ok.expect(250, "")
	if n := len(rec.delivered()); n != 1 {
		t.Fatalf("a message with a 900-byte line: %d delivered, want 1", n)
	}

	c := dial(t, "tcp", addr)
	c.open("EHLO")
	c.send(head + "primera línea\r\n" + strings.Repeat("x", 1500) + "\r\nfin\r\n.\r\n")
	c.expect(500, "5.5.0")
	if n := len(rec.delivered()); n != 1 {
		t.Fatalf("a message with a 1500-byte line was delivered (%d deliveries)", n)
	}
	// Whatever the session does next, the message must not arrive late.
	c.send("QUIT\r\n")
	c.reply()
	time.Sleep(100 * time.Millisecond)
	if n := len(rec.delivered()); n != 1 {
		t.Fatalf("after QUIT: %d deliveries, want 1", n)
	}
}

// TestAccIdleTimeout: a client that says nothing for ReadTimeout, between
// commands or in the middle of a transaction, is told 421 and the
// connection is closed; a client that keeps talking is not.
func TestAccIdleTimeout(t *testing.T) {
	opt := testOptions()
	opt.ReadTimeout = 400 * time.Millisecond
	rec := &recorder{}
	addr := start(t, New(rec, opt))

	t.Run("after EHLO", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		c.expect(220, "")
		c.send("EHLO client.test\r\n")
		c.expect(250, "")
		began := time.Now()
		c.expect(421, "4.4.2")
		if d := time.Since(began); d < 300*time.Millisecond || d > 5*time.Second {
			t.Errorf("the 421 came after %v; ReadTimeout is %v", d, opt.ReadTimeout)
		}
		c.expectClosed()
	})

	t.Run("mid-transaction", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		c.expect(220, "")
		c.send("EHLO client.test\r\nMAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\n")
		c.expect(250, "")
		c.expect(250, "")
		c.expect(250, "")
		c.expect(421, "4.4.2")
		c.expectClosed()
		if n := len(rec.delivered()); n != 0 {
			t.Errorf("%d messages delivered", n)
		}
	})

	t.Run("a talking client stays", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		c.expect(220, "")
		c.send("EHLO client.test\r\n")
		c.expect(250, "")
		for range 6 { // 1.2 s in all, three times ReadTimeout
			time.Sleep(200 * time.Millisecond)
			c.send("NOOP\r\n")
			c.expect(250, "")
		}
		c.send("QUIT\r\n")
		c.expect(221, "")
	})
}
