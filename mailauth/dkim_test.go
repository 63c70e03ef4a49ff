package mailauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// TestDKIMCost: headers built to make the DKIM verifier's quadratic header
// handling burn seconds of CPU are refused at once, while a real long
// header still verifies.
func TestDKIMCost(t *testing.T) {
	w := newWorld(t)
	manyNames := func(t *testing.T) []byte {
		keys := append([]string{"From"}, strings.Split(strings.Repeat("X-Nothing,", 10000), ",")...)
		var out bytes.Buffer
		err := dkim.Sign(&out, bytes.NewReader(reply("ana@attacker.example")), &dkim.SignOptions{
			Domain: "attacker.example", Selector: "sel", Signer: w.keys["attacker.example"],
			HeaderKeys: keys[:len(keys)-1],
		})
		if err != nil {
			t.Fatal(err)
		}
		// Every name is looked up by scanning the header, trimming each
		// value: a field of blanks makes every scan long.
		pad := "X-Pad:" + strings.Repeat(" ", 200000) + "x\r\n"
		return append([]byte(pad), out.Bytes()...)
	}
	references := "References:" + strings.Repeat("\r\n <thread-message@example.com>", 300)
	tests := []struct {
		name string
		raw  func(t *testing.T) []byte
		want string
	}{
		{"one field folded 100000 times", func(t *testing.T) []byte {
			// Added after signing: the signer has the same problem.
			long := "X-Long: a" + strings.Repeat("\r\n b", 100000) + "\r\n"
			return append([]byte(long), w.sign(t, reply("ana@example.com"), "example.com")...)
		}, "fail"},
		{"a line without a colon folded 100000 times", func(t *testing.T) []byte {
			long := "no colon" + strings.Repeat("\r\n b", 100000) + "\r\n"
			return append([]byte(long), w.sign(t, reply("ana@example.com"), "example.com")...)
		}, "fail"},
		{"10000 header names in h=", manyNames, "fail"},
		{"300 References", func(t *testing.T) []byte {
			return w.sign(t, reply("ana@example.com", references), "example.com")
		}, "pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw(t)
			start := time.Now()
			got := w.checker(t, Options{}).Check(context.Background(), raw, Envelope{})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Check took %v", d)
			}
			if got.DKIM != tt.want {
				t.Errorf("DKIM = %q, want %q", got.DKIM, tt.want)
			}
		})
	}
}

// TestDKIMTooManySignatures: a pass among the first signatures still
// counts when the sender added more than we verify.
func TestDKIMTooManySignatures(t *testing.T) {
	w := newWorld(t)
	raw := w.sign(t, reply("ana@example.com"), "example.com")
	_, junk, _ := ed25519.GenerateKey(nil)
	w.keys["junk.example"] = junk
	for range maxSignatures + 2 {
		raw = w.sign(t, raw, "junk.example") // no key published: fails
	}
	// The verifier takes the topmost signatures, so ours is not among them.
	got := w.checker(t, Options{}).Check(context.Background(), raw, Envelope{})
	if got.DKIM != "fail" {
		t.Errorf("DKIM = %q, want fail", got.DKIM)
	}
	raw = w.sign(t, raw, "example.com")
	got = w.checker(t, Options{}).Check(context.Background(), raw, Envelope{})
	if got.DKIM != "pass" || got.DMARC != "pass" {
		t.Errorf("DKIM = %q, DMARC = %q, want pass", got.DKIM, got.DMARC)
	}
}
