package mailparse

import (
	"strings"
	"testing"
	"time"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs and br", "<p>Hello</p><p>second<br>line</p>", "Hello\n\nsecond\nline"},
		{"script style head dropped",
			"<html><head><title>T</title><style>p{color:red}</style></head><body><script>alert(1)</script>Text</body></html>",
			"Text"},
		{"entities", "caf&eacute; &amp; cr&egrave;me&nbsp;&lt;3 &#8364;", "café & crème <3 €"},
		{"white space collapsed", "  a\n\n   b\t c  ", "a b c"},
		{"pre kept", "<pre>  x = 1\n  y = 2</pre>", "x = 1\n  y = 2"},
		{"links", `<a href="https://example.com/x">the docs</a>, <a href="https://example.com/">https://example.com/</a>, <a href="mailto:a@example.com">a@example.com</a>, <a href="#top">top</a>`,
			"the docs <https://example.com/x>, https://example.com/, a@example.com, top"},
		{"lists", "<ul><li>one</li><li>two<ul><li>inner</li></ul></li></ul><ol><li>first</li></ol>",
			"- one\n- two\n  - inner\n- first"},
		{"divs make one break", "<div><div>a</div></div><div>b</div>", "a\nb"},
		{"blockquote", "Reply<blockquote>quoted<br>text</blockquote>after", "Reply\n> quoted\n> text\nafter"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"runs of breaks squeezed", "a<br><br><br><br>b", "a\n\nb"},
		{"outlook conditional comments", "<!--[if gte mso 9]><xml>x</xml><![endif]--><p class=MsoNormal>Hi<o:p></o:p></p>", "Hi"},
		{"broken html", "<p>unclosed <b>bold <i>and <a href='x'>link", "unclosed bold and link <x>"},
		{"head never closed", "<html><head><meta charset=utf-8><style>x{}</style><p>Body text</p>", "Body text"},
		{"text in head ends it", "<head><title>T</title>Hello</head>", "Hello"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTMLToText(tc.in); got != tc.want {
				t.Errorf("HTMLToText:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

// TestHTMLToTextDeep is a guard: the tokenizer keeps deep nesting linear.
func TestHTMLToTextDeep(t *testing.T) {
	in := strings.Repeat("<div><blockquote><ul><li>", 20000) + strings.Repeat("x<br>", 20000)
	start := time.Now()
	out := HTMLToText(in)
	if el := time.Since(start); el > slowdown*2*time.Second {
		t.Errorf("took %v", el)
	}
	if len(out) > 2_000_000 {
		t.Errorf("output of %d bytes: indents not capped", len(out))
	}
}
