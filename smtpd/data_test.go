package smtpd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// dataServer serves with short DATA limits; set changes the options first.
func dataServer(t *testing.T, rec *recorder, set func(*Options)) string {
	opt := testOptions()
	opt.ReadTimeout = 5 * time.Second
	set(&opt)
	return start(t, New(rec, opt))
}

// TestDataStall: a client that stops mid-DATA is told 421 4.4.2 after
// DataStallTimeout, not ReadTimeout, and nothing is stored.
func TestDataStall(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) { o.DataStallTimeout = 200 * time.Millisecond })
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	c.send("Subject: half\r\n\r\nand then noth")
	began := time.Now()
	c.expect(421, "4.4.2 ")
	c.expectClosed()
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("dropped after %v", d)
	}
	if n := len(rec.delivered()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// TestDataBelowMinRate: a client that never stalls for DataStallTimeout
// but averages below MinDataRate runs out of credit and is dropped. (Scaled:
// 50 KB/s against a minimum of 100 KiB/s; a per-read timeout alone would
// keep it for ever.)
func TestDataBelowMinRate(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) {
		o.DataStallTimeout, o.MinDataRate = 300*time.Millisecond, 100<<10
	})
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(strings.Repeat("x", 1022) + "\r\n")); err != nil {
					return
				}
			}
		}
	}()
	began := time.Now()
	c.expect(421, "4.4.2 ")
	if d := time.Since(began); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("dropped after %v", d)
	}
	if n := len(rec.delivered()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// TestDataSlowButSteady: a message that takes several times ReadTimeout and
// DataStallTimeout, sent at 20 times MinDataRate, is accepted: the deadline
// rolls with the data. (5 MB at 20 KiB/s, scaled down to seconds.)
func TestDataSlowButSteady(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) {
		o.ReadTimeout, o.DataStallTimeout, o.MinDataRate = 300*time.Millisecond, 300*time.Millisecond, 1024
	})
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	line := strings.Repeat("y", 198) + "\r\n" // 200 bytes each 10 ms: 20 KB/s
	var sent bytes.Buffer
	sent.WriteString("Subject: slow\r\n\r\n")
	c.send("Subject: slow\r\n\r\n")
	for range 150 {
		time.Sleep(10 * time.Millisecond) // the pace is what is tested
		c.send(line)
		sent.WriteString(line)
	}
	c.send(".\r\n")
	c.expect(250, "2.0.0 Ok: case #1")
	if got := rec.delivered(); len(got) != 1 || !bytes.Equal(got[0], sent.Bytes()) {
		t.Errorf("stored %d messages, first differs from what was sent", len(got))
	}
}

// TestDataTimeout: however steady, DATA ends at DataTimeout.
func TestDataTimeout(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) { o.DataTimeout = 500 * time.Millisecond })
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if _, err := c.Write([]byte(strings.Repeat("z", 500) + "\r\n")); err != nil {
					return
				}
			}
		}
	}()
	began := time.Now()
	c.expect(421, "4.4.2 ")
	if d := time.Since(began); d < 400*time.Millisecond || d > 3*time.Second {
		t.Errorf("dropped after %v", d)
	}
	if n := len(rec.delivered()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// send1 sends one message on a fresh connection and returns the reply.
func send1(t *testing.T, addr, msg string) (int, string) {
	c := dial(t, "tcp", addr)
	c.open("EHLO")
	c.send(msg + ".\r\n")
	return c.reply()
}

func TestHeaderTooLarge(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) { o.MaxHeaderBytes = 1024 })
	body := "\r\n" + strings.Repeat("the body may be as long as it likes\r\n", 100)
	fits := "Subject: x\r\nX-Pad: " + strings.Repeat("p", 1024-len("Subject: x\r\nX-Pad: \r\n\r\n")) + "\r\n"
	if code, text := send1(t, addr, fits+body); code != 250 {
		t.Fatalf("a header of exactly 1024 bytes: %d %s", code, text)
	}
	big := "Subject: x\r\nX-Pad: " + strings.Repeat("p", 1024) + "\r\n"
	code, text := send1(t, addr, big+body)
	if code != 552 || text != "5.3.4 Message header too large" {
		t.Fatalf("got %d %q, want 552 5.3.4 Message header too large", code, text)
	}
	if n := len(rec.delivered()); n != 1 {
		t.Errorf("%d messages stored, want the one that fits", n)
	}
}

func TestHeaderTooLargeDefault(t *testing.T) {
	if got := (Options{}).withDefaults().MaxHeaderBytes; got != 1<<20 {
		t.Errorf("default MaxHeaderBytes %d", got)
	}
}

// TestReceivedLoop: more than MaxReceived (default 50) Received fields is
// a loop (RFC 5321 section 6.3), refused before delivery.
func TestReceivedLoop(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) {})
	hops := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "Received: from hop%d.example by hop%d.example;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n", i, i+1)
		}
		return b.String()
	}
	// Neither a folded line nor the body counts; "Received :" does.
	notHops := "X-Note: x\r\n Received: folded, not a field\r\n"
	body := "\r\n" + strings.Repeat("Received: in the body\r\n", 60)
	if code, text := send1(t, addr, hops(49)+"received : obsolete spacing\r\n"+notHops+"Subject: ok\r\n"+body); code != 250 {
		t.Fatalf("50 hops: %d %s", code, text)
	}
	code, text := send1(t, addr, hops(50)+"RECEIVED: one more\r\nSubject: loop\r\n"+body)
	if code != 554 || text != "5.4.6 Routing loop detected" {
		t.Fatalf("51 hops: got %d %q, want 554 5.4.6", code, text)
	}
	if n := len(rec.delivered()); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
}

// TestRawBytesKept: NUL, invalid UTF-8 and 8-bit bytes are stored as sent.
func TestRawBytesKept(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) {})
	msg := "Subject: \xff\xfe bytes\r\nX-Nul: a\x00b\r\n\r\ncaf\xc3 \x00\x01\x7f\x80 \xe9t\xe9\r\n"
	if code, text := send1(t, addr, msg); code != 250 {
		t.Fatalf("%d %s", code, text)
	}
	if got := rec.delivered(); len(got) != 1 || string(got[0]) != msg {
		t.Fatalf("stored %q, want %q", got, msg)
	}
}

// TestSMTPUTF8And8BitMIME: both offered; a UTF-8 sender and recipient
// (RFC 6531) and an 8-bit body (RFC 6152) go through untouched.
func TestSMTPUTF8And8BitMIME(t *testing.T) {
	rec := &recorder{}
	addr := dataServer(t, rec, func(o *Options) {})
	c := dial(t, "tcp", addr)
	c.expect(220, "")
	c.send("EHLO client.test\r\n")
	var caps []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		caps = append(caps, strings.TrimSpace(line[4:]))
		if line[3] == ' ' {
			break
		}
	}
	for _, want := range []string{"8BITMIME", "SMTPUTF8"} {
		if !strings.Contains(strings.Join(caps, "\n"), want) {
			t.Errorf("EHLO lacks %s: %q", want, caps)
		}
	}
	c.send("MAIL FROM:<josé@ejemplo.es> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<support+café@example.com>\r\nDATA\r\n")
	c.expect(250, "")
	c.expect(250, "")
	c.expect(354, "")
	msg := "From: José <josé@ejemplo.es>\r\nSubject: ¿Dónde está mi pedido?\r\n\r\nNo llegó. 日本語\r\n"
	c.send(msg + ".\r\n")
	c.expect(250, "2.0.0 Ok: case #1")
	envs, raws := rec.envelopes(), rec.delivered()
	if len(envs) != 1 || envs[0].MailFrom != "josé@ejemplo.es" || envs[0].Rcpts[0] != "support+café@example.com" {
		t.Fatalf("envelope %+v", envs)
	}
	if string(raws[0]) != msg {
		t.Errorf("stored %q", raws[0])
	}
}

// TestLMTPPerRecipient: one delivery, one reply per recipient (RFC 2033
// section 4.2), the repeated recipient included.
func TestLMTPPerRecipient(t *testing.T) {
	rec := &recorder{}
	opt := testOptions()
	opt.LMTP = true
	addr := start(t, New(rec, opt))
	c := dial(t, "tcp", addr)
	c.expect(220, "mx.test LMTP")
	c.send("LHLO relay.test\r\nMAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\n" +
		"RCPT TO:<support+t0k3n@example.com>\r\nRCPT TO:<SUPPORT@example.com>\r\nDATA\r\n")
	for range 5 {
		c.expect(250, "")
	}
	c.expect(354, "")
	c.send("Subject: x\r\n\r\nhola\r\n.\r\n")
	for _, rcpt := range []string{"support@example.com", "support+t0k3n@example.com", "SUPPORT@example.com"} {
		c.expect(250, "2.0.0 <"+rcpt+"> Ok: case #1")
	}
	if n := len(rec.delivered()); n != 1 {
		t.Errorf("%d deliveries", n)
	}
}
