package mailparse

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/casemail/casemail/support"
)

// FuzzParse checks the contract: no panic (Parse recovers, so a recovered
// panic shows as notePanic), only the two quarantine errors, the limits
// kept, and every string valid UTF-8 so the store's JSON keeps it as is.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(nestedBomb(40))
	f.Add(flatBomb(20))
	f.Add([]byte("From: a@b\r\nSubject: =?utf-7?B?K0FOdy0=?=\r\nContent-Type: text/html\r\n\r\n<p>x"))
	lim := Limits{MaxDepth: 8, MaxParts: 50}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, lim)
		if m == nil {
			t.Fatal("nil message")
		}
		if err != nil && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnparseable) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, n := range m.Notes {
			if n == notePanic {
				t.Fatalf("parser panicked: %v", err)
			}
		}
		if len(m.Attachments) > lim.MaxParts {
			t.Fatalf("%d attachments beyond MaxParts %d", len(m.Attachments), lim.MaxParts)
		}
		checkUTF8(t, m)
	})
}

func checkUTF8(t *testing.T, m *support.Message) {
	t.Helper()
	strs := []string{m.MessageID, m.Subject, m.Text, m.NewText, m.Language,
		m.Auto.AutoSubmitted, m.Auto.Precedence, m.Auto.ListID, m.Auto.XAutoResponseSuppress,
		m.From.Name, m.From.Address, m.Sender.Name, m.Sender.Address}
	strs = append(strs, m.InReplyTo...)
	strs = append(strs, m.References...)
	strs = append(strs, m.Notes...)
	for _, l := range [][]support.Address{m.To, m.Cc, m.ReplyTo} {
		for _, a := range l {
			strs = append(strs, a.Name, a.Address)
		}
	}
	for _, a := range m.Attachments {
		strs = append(strs, a.Filename, a.ContentType, a.ContentID)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
	}
}

// FuzzStripReply checks that StripReply never panics and returns a part
// of its input.
func FuzzStripReply(f *testing.F) {
	for _, s := range []string{
		"Hello\n\nOn Mon, Apr 2, 2012 at 6:26 PM, A <a@b> wrote:\n> Hi",
		"Hi\n-----Original Message-----\nFrom: a\nSent: b\nTo: c\nSubject: d\n\ne",
		"a\n> b\nc\n> d", "x\n-- \nsig", "\r\n>\r\n>\r\n>", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := StripReply(s)
		if len(out) > len(s) {
			t.Fatalf("output longer than input: %q -> %q", s, out)
		}
	})
}

// FuzzHTMLToText checks that HTMLToText never panics.
func FuzzHTMLToText(f *testing.F) {
	f.Add("<p>a<br>b</p><blockquote>q</blockquote><ul><li>x</li></ul><a href=u>t</a>")
	f.Fuzz(func(t *testing.T, s string) {
		HTMLToText(s)
	})
}
