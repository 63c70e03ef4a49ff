package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// nestedBomb builds a multipart nested depth times: each level holds one
// part, the next level.
func nestedBomb(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nhello\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// flatBomb builds one multipart with n empty parts.
func flatBomb(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n")
	for i := 0; i < n; i++ {
		b.WriteString("--x\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--x--\r\n")
	return b.Bytes()
}

// TestLimitBombs is a guard: a naive walk over these takes minutes and
// hundreds of megabytes; the parser must refuse them at once, with the
// headers still read.
func TestLimitBombs(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"nested 10000", nestedBomb(10000)},
		{"flat 100000", flatBomb(100000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			m, err := Parse(tc.raw, DefaultLimits())
			el := time.Since(start)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit", err)
			}
			if el > slowdown*2*time.Second {
				t.Errorf("took %v, want well under a second", el)
			}
			if m.Subject != "bomb" || m.From.Address != "a@example.com" {
				t.Errorf("headers not parsed: %+v", m)
			}
			if len(m.Attachments) > DefaultLimits().MaxParts {
				t.Errorf("%d attachments beyond the part limit", len(m.Attachments))
			}
			t.Logf("%s: %d bytes refused in %v", tc.name, len(tc.raw), el)
		})
	}
}

func TestLimitsEdges(t *testing.T) {
	lim := Limits{MaxDepth: 3, MaxParts: 10}
	if _, err := Parse(nestedBomb(3), lim); err != nil {
		t.Errorf("depth 3 within MaxDepth 3: %v", err)
	}
	if _, err := Parse(nestedBomb(4), lim); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 4 beyond MaxDepth 3: err = %v", err)
	}
	if _, err := Parse(flatBomb(9), lim); err != nil { // 1 + 9 entities
		t.Errorf("10 entities within MaxParts 10: %v", err)
	}
	if _, err := Parse(flatBomb(10), lim); !errors.Is(err, ErrLimit) {
		t.Errorf("11 entities beyond MaxParts 10: err = %v", err)
	}
	// Zero limits mean the defaults, not "refuse every multipart".
	if _, err := Parse(nestedBomb(5), Limits{}); err != nil {
		t.Errorf("zero Limits: %v", err)
	}
}

func BenchmarkNestedBomb(b *testing.B) {
	raw := nestedBomb(10000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, DefaultLimits()); !errors.Is(err, ErrLimit) {
			b.Fatal(err)
		}
	}
}

func BenchmarkFlatBomb(b *testing.B) {
	raw := flatBomb(100000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, DefaultLimits()); !errors.Is(err, ErrLimit) {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTypical parses an ordinary Outlook reply with an
// attachment, for comparison with the bombs.
func BenchmarkParseTypical(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outlook_reply_es.eml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
