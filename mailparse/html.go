package mailparse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns an HTML body into text an agent can read and quote:
// script, style and head are dropped; block elements and <br> make line
// breaks; entities are decoded; a link whose text differs from its target
// reads "text <url>"; list items start with "- "; blockquotes are prefixed
// with "> " so StripReply can find the quotation as it would in plain text.
// It uses the tokenizer, not the tree builder, so its cost is linear in the
// input whatever the nesting.
func HTMLToText(src string) string {
	c := &htmlConv{}
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return c.result()
		case html.TextToken:
			t := string(z.Text())
			if c.inHead && strings.TrimSpace(t) != "" && c.skip == 0 {
				c.inHead = false // text cannot be in <head>: it has ended
			}
			if c.skip == 0 && !c.inHead {
				c.text(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var href string
			if hasAttr && atom.Lookup(name) == atom.A {
				href = attr(z, "href")
			}
			c.start(atom.Lookup(name), href, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.end(atom.Lookup(name))
		}
	}
}

func attr(z *html.Tokenizer, want string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == want {
			return strings.TrimSpace(string(v))
		}
		if !more {
			return ""
		}
	}
}

// maxIndent caps quote prefixes and list indents: they repeat on every
// line, so hostile nesting would otherwise make the output quadratic.
const maxIndent = 10

// htmlConv collects output lines, each with the blockquote depth it was
// started at. Breaks are requested rather than written, so nested blocks
// make one break and the result has no runs of blank lines.
type htmlConv struct {
	inHead    bool // <head> is open; it ends at </head> or body content
	lines     []outLine
	open      bool // the last line takes more text
	wantBlank bool // a blank line before the next text
	skip      int  // inside script, style, head...
	pre       int
	quote     int // blockquote depth
	lists     int
	links     []*link
}

type outLine struct {
	depth int
	text  strings.Builder
}

type link struct {
	href string
	text strings.Builder
}

var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Title: true,
	atom.Noscript: true, atom.Template: true, atom.Object: true, atom.Svg: true,
}

// inHeadOK are the elements that may stand in <head>. Any other element
// ends it, as in an HTML5 parser, so a mail whose <head> is never closed
// still shows its text.
var inHeadOK = map[atom.Atom]bool{
	atom.Meta: true, atom.Link: true, atom.Title: true, atom.Style: true,
	atom.Script: true, atom.Base: true, atom.Noscript: true, atom.Template: true,
}

// blocks maps block elements to the break around them: 2 makes a blank
// line (paragraphs, headings), 1 a line break.
var blocks = map[atom.Atom]int{
	atom.P: 2, atom.H1: 2, atom.H2: 2, atom.H3: 2, atom.H4: 2, atom.H5: 2, atom.H6: 2,
	atom.Div: 1, atom.Ul: 1, atom.Ol: 1, atom.Li: 1, atom.Table: 1, atom.Tr: 1,
	atom.Blockquote: 1, atom.Pre: 1, atom.Section: 1, atom.Article: 1,
	atom.Header: 1, atom.Footer: 1, atom.Address: 1, atom.Dl: 1, atom.Dt: 1,
	atom.Dd: 1, atom.Form: 1, atom.Fieldset: 1, atom.Center: 1, atom.Hr: 1,
	atom.Main: 1, atom.Nav: 1, atom.Aside: 1, atom.Figure: 1, atom.Body: 1,
}

func (c *htmlConv) start(a atom.Atom, href string, selfClosing bool) {
	if a == atom.Head {
		c.inHead = !selfClosing
		return
	}
	if c.inHead && !inHeadOK[a] && c.skip == 0 {
		c.inHead = false
	}
	if skipped[a] {
		if !selfClosing {
			c.skip++
		}
		return
	}
	if c.skip > 0 || c.inHead {
		return
	}
	if n, ok := blocks[a]; ok {
		c.block(n)
	}
	switch a {
	case atom.Br:
		c.hardBreak()
	case atom.Blockquote:
		c.quote++
	case atom.Pre:
		c.pre++
	case atom.Ul, atom.Ol:
		c.lists++
	case atom.Li:
		c.write(strings.Repeat("  ", min(max(c.lists-1, 0), maxIndent)) + "- ")
	case atom.Td, atom.Th:
		if c.open && c.last().text.Len() > 0 {
			c.write(" ")
		}
	case atom.A:
		if !selfClosing {
			c.links = append(c.links, &link{href: href})
		}
	}
}

func (c *htmlConv) end(a atom.Atom) {
	if a == atom.Head {
		c.inHead = false
		return
	}
	if skipped[a] {
		if c.skip > 0 {
			c.skip--
		}
		return
	}
	if c.skip > 0 {
		return
	}
	switch a {
	case atom.Blockquote:
		c.block(1)
		c.quote = max(c.quote-1, 0)
	case atom.Pre:
		c.pre = max(c.pre-1, 0)
	case atom.Ul, atom.Ol:
		c.lists = max(c.lists-1, 0)
	case atom.A:
		c.closeLink()
	}
	if n, ok := blocks[a]; ok {
		c.block(n)
	}
}

// closeLink appends " <url>" when the link's text is not its target.
func (c *htmlConv) closeLink() {
	if len(c.links) == 0 {
		return
	}
	l := c.links[len(c.links)-1]
	c.links = c.links[:len(c.links)-1]
	href := l.href
	low := strings.ToLower(href)
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(low, "javascript:") {
		return
	}
	text := strings.TrimSpace(l.text.String())
	target := href
	if strings.HasPrefix(low, "mailto:") {
		target = href[len("mailto:"):]
	}
	if text == href || text == target || strings.TrimSuffix(text, "/") == strings.TrimSuffix(target, "/") {
		return
	}
	if text == "" {
		c.text(href)
		return
	}
	c.write(" <" + href + ">")
}

// text writes character data, collapsing white space outside <pre>.
func (c *htmlConv) text(s string) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if c.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				c.hardBreak()
			}
			if part != "" {
				c.write(part)
			}
		}
		return
	}
	words := strings.Fields(s)
	if len(words) == 0 {
		if s != "" && c.open && c.last().text.Len() > 0 {
			c.write(" ")
		}
		return
	}
	if isSpace(s[0]) && c.open && c.last().text.Len() > 0 {
		c.write(" ")
	}
	c.write(strings.Join(words, " "))
	if isSpace(s[len(s)-1]) {
		c.write(" ")
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

func (c *htmlConv) last() *outLine { return &c.lines[len(c.lines)-1] }

// write appends to the open line, starting a new one if needed. Spaces
// never start a line.
func (c *htmlConv) write(s string) {
	if !c.open {
		if strings.TrimSpace(s) == "" {
			return
		}
		if c.wantBlank && len(c.lines) > 0 {
			c.lines = append(c.lines, outLine{depth: c.quote})
		}
		c.wantBlank = false
		c.lines = append(c.lines, outLine{depth: c.quote})
		c.open = true
	} else if s == " " && strings.HasSuffix(c.last().text.String(), " ") {
		return
	}
	c.last().text.WriteString(s)
	for _, l := range c.links {
		l.text.WriteString(s)
	}
}

// hardBreak ends the line; a <br> on an empty line makes an empty line.
func (c *htmlConv) hardBreak() {
	if !c.open {
		c.lines = append(c.lines, outLine{depth: c.quote})
	}
	c.open = false
}

// block ends the open line; n == 2 asks for a blank line too.
func (c *htmlConv) block(n int) {
	c.open = false
	if n == 2 {
		c.wantBlank = true
	}
}

// result renders the lines with their quote prefixes and squeezes blank
// lines.
func (c *htmlConv) result() string {
	for len(c.links) > 0 {
		c.closeLink() // an <a> left open at the end
	}
	var sb strings.Builder
	blank := 0
	for i := range c.lines {
		l := &c.lines[i]
		t := strings.TrimRight(l.text.String(), " ")
		if strings.TrimSpace(t) == "" {
			blank++
			if blank > 1 {
				continue
			}
			t = ""
		} else {
			blank = 0
		}
		if l.depth > 0 {
			p := strings.Repeat("> ", min(l.depth, maxIndent))
			if t == "" {
				p = strings.TrimRight(p, " ")
			}
			t = p + t
		}
		sb.WriteString(t)
		sb.WriteByte('\n')
	}
	return strings.TrimSpace(sb.String())
}
