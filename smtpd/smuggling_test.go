package smtpd

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
)

// TestNoSmuggling writes, on a raw connection, a message whose text holds
// a would-be end of data followed by a second transaction, the SMTP
// smuggling attack. Only <CRLF>.<CRLF> ends data, so each must come out
// as one message, with the "smuggled" commands inside it as text.
func TestNoSmuggling(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		for _, end := range []string{"\n.\r\n", "\n.\n", "\r\n.\n", "\r.\r", "\r.\r\n", "\n.\r", "\r\n\x00.\r\n"} {
			t.Run(fmt.Sprintf("lmtp=%v/%q", lmtp, end), func(t *testing.T) {
				rec := &recorder{}
				opt := testOptions()
				opt.LMTP = lmtp
				addr := start(t, New(rec, opt))
				hello := "EHLO"
				if lmtp {
					hello = "LHLO"
				}
				c := dial(t, "tcp", addr)
				c.open(hello)
				c.send("Subject: innocent\r\n\r\nbefore" + end +
					"MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n" +
					"From: ceo@bank.example\r\nSubject: smuggled\r\n\r\nwire the money\r\n.\r\nQUIT\r\n")
				c.expect(250, "2.0.0 ")
				c.expect(221, "")
				got := rec.delivered()
				if len(got) != 1 {
					t.Fatalf("%d messages delivered, want 1: %q", len(got), got)
				}
				if !bytes.Contains(got[0], []byte("MAIL FROM:<ceo@bank.example>")) || !bytes.HasSuffix(got[0], []byte("wire the money\r\n")) {
					t.Errorf("the smuggled part is not the first message's text: %q", got[0])
				}
			})
		}
	}
}

// TestEndAfterBareCR: a last line ending in a bare CR goes on the wire as
// "<CR><CR><LF>.<CRLF>", which go-smtp's reader alone does not take for the
// end: it would read the relay's next transaction into this message, or
// hang. The message ends there, gets its reply, and since go-smtp has lost
// its place the connection is closed; nothing pipelined after is taken.
func TestEndAfterBareCR(t *testing.T) {
	for _, crs := range []int{1, 3, 4} {
		t.Run(fmt.Sprint(crs), func(t *testing.T) {
			rec := &recorder{}
			addr := start(t, New(rec, testOptions()))
			c := dial(t, "tcp", addr)
			c.open("EHLO")
			text := "Subject: cr\r\n\r\nlast line" + strings.Repeat("\r", crs) + "\r\n"
			c.send(text + ".\r\nMAIL FROM:<b@cliente.es>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n")
			c.expect(250, "2.0.0 Ok: case #1")
			if (crs+1)%2 == 1 {
				// An odd run of CRs before the LF leaves go-smtp at a
				// line start: it saw the end itself, and the session
				// simply goes on.
				c.expect(250, "")
				c.expect(250, "")
				c.expect(354, "")
			} else {
				c.expect(421, "4.5.0 ")
				c.expectClosed()
			}
			if got := rec.delivered(); len(got) != 1 || string(got[0]) != text {
				t.Errorf("stored %q, want %q", got, text)
			}
		})
	}
}

// TestStuffedDotAfterBareCR: after <CR><CR><LF> a line starts, and its
// stuffed dot is removed (RFC 5321 section 4.5.2), which go-smtp alone
// misses.
func TestStuffedDotAfterBareCR(t *testing.T) {
	rec := &recorder{}
	addr := start(t, New(rec, testOptions()))
	code, text := send1(t, addr, "Subject: dots\r\n\r\na\r\r\n..b\r\n..\r\n")
	if code != 250 {
		t.Fatalf("%d %s", code, text)
	}
	want := "Subject: dots\r\n\r\na\r\r\n.b\r\n.\r\n"
	if got := rec.delivered(); len(got) != 1 || string(got[0]) != want {
		t.Errorf("stored %q, want %q", got, want)
	}
}

// TestBDATIsNotDotted: BDAT (RFC 3030) counts bytes; nothing in a chunk is
// an end of data or a stuffed dot.
func TestBDATIsNotDotted(t *testing.T) {
	rec := &recorder{}
	addr := start(t, New(rec, testOptions()))
	c := dial(t, "tcp", addr)
	c.expect(220, "")
	c.send("EHLO client.test\r\nMAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\n")
	c.expect(250, "")
	c.expect(250, "")
	c.expect(250, "")
	msg := "Subject: chunks\r\n\r\nx\r\r\n.\r\n..y\r\n"
	c.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg), msg))
	c.expect(250, "2.0.0 Ok: case #1")
	if got := rec.delivered(); len(got) != 1 || string(got[0]) != msg {
		t.Errorf("stored %q, want %q", got, msg)
	}
}

// TestDotEnd checks the scanner on its own, fed in pieces of every size.
func TestDotEnd(t *testing.T) {
	for _, tt := range []struct {
		in, want string // in: what go-smtp's reader returns
		end      bool
	}{
		{"plain\r\ntext\r\n", "plain\r\ntext\r\n", false},
		{"a\r\r\n.\r\nMAIL", "a\r\r\n", true},
		{"a\r\r\r\r\n.\r\n", "a\r\r\r\r\n", true},
		{"a\r\r\n..b\r\n", "a\r\r\n.b\r\n", false},
		{"a\r\r\n.\r\r\n", "a\r\r\n\r\r\n", false},
		{"a\r\r\n.\rx", "a\r\r\n\rx", false},
		{"a\r\r\n.x", "a\r\r\nx", false},
		{"\r\n.\r\n", "\r\n.\r\n", false}, // go-smtp's own unstuffed ".." line
		{"a\n.\r\n", "a\n.\r\n", false},
	} {
		for size := 1; size <= len(tt.in); size++ {
			var d dotEnd
			var out []byte
			end := false
			for i := 0; i < len(tt.in) && !end; i += size {
				var got []byte
				got, end = d.scan([]byte(tt.in[i:min(i+size, len(tt.in))]))
				out = append(out, got...)
			}
			if string(out) != tt.want || end != tt.end {
				t.Errorf("%q in pieces of %d: %q, end %v; want %q, %v", tt.in, size, out, end, tt.want, tt.end)
			}
		}
	}
}

// TestBDATCutShort: a client that closes in the middle of its last BDAT
// chunk has not sent the message, and nothing is stored.
func TestBDATCutShort(t *testing.T) {
	rec := &recorder{}
	addr := start(t, New(rec, testOptions()))
	c := dial(t, "tcp", addr)
	c.expect(220, "")
	c.send("EHLO client.test\r\nMAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\n")
	for range 3 {
		c.expect(250, "")
	}
	c.send("BDAT 100 LAST\r\nSubject: cut\r\n\r\nonly th")
	c.Conn.(*net.TCPConn).CloseWrite()
	if code, _ := c.reply(); code == 250 {
		t.Error("a message cut short was accepted")
	}
	if n := len(rec.delivered()); n != 0 {
		t.Errorf("%d stored", n)
	}
}
