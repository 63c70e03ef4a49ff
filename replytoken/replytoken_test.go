package replytoken

import (
	"strings"
	"testing"
)

func TestMintParse(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := Mint(key, 42, "Ana@Example.ES")
	if tok != strings.ToLower(tok) {
		t.Fatalf("token %q is not lower-case", tok)
	}
	got, err := Parse(key, strings.ToUpper(tok)) // an MTA that folds case
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got.Case != 42 || !got.IssuedTo("ana@example.es") || got.IssuedTo("eve@example.org") {
		t.Fatalf("got %+v", got)
	}
	cases := map[string]string{
		"other key":   Mint([]byte("another key another key another k"), 42, "ana@example.es"),
		"empty":       "",
		"garbage":     "hello-world",
		"truncated":   tok[:len(tok)-2],
		"one changed": tok[:3] + string(rune('a'+(tok[3]-'a'+1)%26)) + tok[4:],
	}
	for name, s := range cases {
		if _, err := Parse(key, s); err == nil {
			t.Errorf("%s: Parse(%q) accepted a forged token", name, s)
		}
	}
}

func FuzzParse(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	f.Add(Mint(key, 1, "a@b.c"))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(key, s)
		if err == nil && tok.Case == 0 {
			t.Fatalf("accepted token for case 0")
		}
	})
}

func TestBounceToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := MintBounce(key, 123456)
	id, err := ParseBounce(key, strings.ToUpper(tok))
	if err != nil || id != 123456 {
		t.Fatalf("ParseBounce = %d, %v", id, err)
	}
	if _, err := Parse(key, tok); err == nil {
		t.Error("a bounce token passes as a reply token")
	}
	if _, err := ParseBounce(key, Mint(key, 5, "a@b.c")); err == nil {
		t.Error("a reply token passes as a bounce token")
	}
	if _, err := ParseBounce([]byte("other key other key other key oth"), tok); err == nil {
		t.Error("bounce token accepted under another key")
	}
}
