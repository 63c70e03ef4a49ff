package bounce

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzClassify feeds Classify arbitrary bytes, seeded with the test
// messages: it must not panic, must finish quickly, and must return a
// Report whose fields keep their promises.
func FuzzClassify(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/report; boundary=a\n\n--a\nContent-Type: message/delivery-status\n\n" +
		"Final-Recipient: rfc822; x@y.example\nAction: failed\nStatus: 5.1.1\n--a--\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		start := time.Now()
		r := Classify(raw)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Classify took %v on %d bytes", d, len(raw))
		}
		checkReport(t, r)
	})
}

// checkReport checks the promises of a Report whatever the input.
func checkReport(t *testing.T, r Report) {
	t.Helper()
	switch r.Kind {
	case NotAutomatic, Bounce, Feedback, AutoReply:
	default:
		t.Errorf("unknown kind %q", r.Kind)
	}
	if r.Kind != Bounce && len(r.Recipients) > 0 {
		t.Errorf("%s with recipients: %+v", r.Kind, r.Recipients)
	}
	for _, f := range r.Recipients {
		if f.Recipient == "" || f.Recipient != strings.ToLower(f.Recipient) || !strings.Contains(f.Recipient, "@") {
			t.Errorf("bad recipient %q", f.Recipient)
		}
		if strings.ContainsAny(f.Diagnostic, "\r\n") || len(f.Diagnostic) > 400 {
			t.Errorf("diagnostic not one short line: %q", f.Diagnostic)
		}
		if f.Hard && (strings.HasPrefix(f.Status, "4") || f.Code/100 == 4 && f.Status == "") {
			t.Errorf("temporary failure marked hard: %+v", f)
		}
	}
	if strings.ContainsAny(r.OriginalMessageID, "<> \r\n") {
		t.Errorf("bad message ID %q", r.OriginalMessageID)
	}
	if !utf8.ValidString(r.FeedbackType) {
		t.Errorf("bad feedback type %q", r.FeedbackType)
	}
}

// TestClassifyBounded builds the inputs that cost a naive parser the most
// and checks that Classify stays fast on them.
func TestClassifyBounded(t *testing.T) {
	var nested strings.Builder
	nested.WriteString("From: MAILER-DAEMON@x.example\nSubject: failure notice\n")
	for i := range 200 {
		fmt.Fprintf(&nested, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	var addrs bytes.Buffer
	addrs.WriteString("From: MAILER-DAEMON@x.example\nSubject: failure notice\n\nHi. This is the qmail-send program\n")
	for i := 0; addrs.Len() < 8<<20; i++ {
		fmt.Fprintf(&addrs, "<user%d@host%d.example.org>: 550 5.1.1 no such user\n", i, i)
	}
	var parts strings.Builder
	parts.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=p\n\n")
	for range 100000 {
		parts.WriteString("--p\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.example\n")
	}
	header := "Subject: " + strings.Repeat("=?utf-8?q?=C3=A9?= ", 200000) + "\n\n"
	for name, raw := range map[string][]byte{
		"nested multiparts":  []byte(nested.String()),
		"8 MiB of addresses": addrs.Bytes(),
		"100000 parts":       []byte(parts.String()),
		"huge header":        []byte(header),
		"one long line":      bytes.Repeat([]byte("a@b.example "), 1<<20),
	} {
		start := time.Now()
		r := Classify(raw)
		checkReport(t, r)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}
