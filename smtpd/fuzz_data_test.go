package smtpd

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/casemail/casemail/support"
)

// FuzzDataRoundTrip sends any body as a conforming client would, dot
// stuffed at every line start and ended by <CRLF>.<CRLF>, with a second
// transaction pipelined after it. The first message must be stored exactly
// as the body (RFC 5321 sections 4.1.1.4 and 4.5.2), whatever bare CR, LF,
// NUL or dots it holds, and the second must never be read into it: stored
// as itself, or, when go-smtp lost its place (dotend.go), not at all.
func FuzzDataRoundTrip(f *testing.F) {
	for _, seed := range []string{
		"Subject: x\r\n\r\nhola\r\n", "", ".", "..\r\n.\r\n", "a\r\r\n.\r\n", "a\r", "a\r\r\r\r",
		"a\n.\n", "a\n.\r\n", "a\r\n.\n", "a\r.\r", "a\r\r\n..b", "\x00\xff\r\n.\x00", "x\r\n.\r\r\n.\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		const second = "Subject: second\r\n\r\nsecond\r\n"
		const txn = "MAIL FROM:<a@b>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n"
		sent := bytes.Clone(body)
		if !bytes.HasSuffix(sent, []byte("\r\n")) {
			sent = append(sent, "\r\n"...)
		}
		input := "EHLO x\r\n" + txn + stuff(sent) + ".\r\n" + txn + second + ".\r\nQUIT\r\n"
		opt := testOptions()
		opt.MaxMessageBytes, opt.MaxLineLength, opt.MaxHeaderBytes, opt.MaxReceived = 1<<20, -1, -1, -1
		d := &keeper{}
		replies := pipeSession(t, opt, d, []byte(input))
		got := d.kept()
		if len(got) == 0 || !bytes.Equal(got[0], sent) {
			t.Fatalf("stored %q, want first %q; replies:\n%s", got, sent, replies)
		}
		switch {
		case len(got) == 2 && string(got[1]) == second:
		case len(got) == 1 && bytes.Contains(replies, []byte("421 4.5.0 ")):
		default:
			t.Fatalf("stored %q after the first; replies:\n%s", got[1:], replies)
		}
	})
}

// stuff dot-stuffs text as RFC 5321 section 4.5.2 asks of a client: a
// period at the start of a line (after CRLF) is doubled.
func stuff(text []byte) string {
	var b strings.Builder
	for i, c := range text {
		if c == '.' && (i == 0 || i >= 2 && text[i-2] == '\r' && text[i-1] == '\n') {
			b.WriteByte('.')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// keeper is a Deliverer keeping every message.
type keeper struct {
	mu   sync.Mutex
	raws [][]byte
}

func (k *keeper) Deliver(_ context.Context, _ support.Envelope, raw []byte) (support.Delivery, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.raws = append(k.raws, bytes.Clone(raw))
	return support.Delivery{Case: uint64(len(k.raws))}, nil
}

func (k *keeper) kept() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([][]byte(nil), k.raws...)
}
