// Package agentcmd reads the commands support agents write at the top of
// their replies to casemail's notifications, and recognises a customer's
// "confirm" answer to a proposed resolution. Agents work cases from their
// own mail client, so a reply is the whole user interface:
//
//	#kind configuration
//	#assign luis@example.com
//
//	Hola Ana, ya está configurado...
//
// The grammar, decided here and nowhere else:
//
//   - Commands are lines at the top of the reply that start with '#'
//     followed at once by a letter ("#note", "#Estado esperando"). Blank
//     lines may come before and between them. The block ends at the first
//     other non-blank line; a '#' line after it is ordinary text.
//   - "# heading", "##", "#" alone and "#1 priority" (a digit, as in case
//     numbers "#1234") are text, never commands: only "#word" is.
//   - Op names and keyword arguments are case- and accent-insensitive and
//     have Spanish aliases; an optional ':' may follow the name
//     ("#estado: esperando").
//   - A '#word' at the top that is not a known command is an error, not
//     text: a mistyped "#reslove" must not reach the customer.
//   - Only the first maxLines lines are read for commands, so the work per
//     reply is bounded whatever its size.
//
// Parse never changes anything: it returns what it understood and what was
// wrong. When Errors is non-empty the caller changes nothing and sends the
// agent one error mail; Commands still lists what was understood so that
// mail can say so. Of casemail it imports only the domain package, support.
package agentcmd

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Op is what a command does.
type Op string

const (
	OpNote    Op = "note"    // the reply is an internal note: nothing is sent to the customer
	OpResolve Op = "resolve" // propose a resolution; the customer confirms it (or not)
	OpStatus  Op = "status"  // Arg is "open" or "waiting"
	OpAssign  Op = "assign"  // Arg is the agent's addr-spec, lower-cased
	OpKind    Op = "kind"    // Arg is a support.Kind
	OpUpdate  Op = "update"  // the reply is a progress update, not an answer
	OpNow     Op = "now"     // send at once, even outside business hours
)

// Command is one understood command line.
type Command struct {
	Op Op
	// Arg is normalised: "open" or "waiting" for OpStatus, a lower-cased
	// addr-spec for OpAssign, a support.Kind string for OpKind, "" for the
	// rest.
	Arg  string
	Line int // 1-based line of the reply it was on
}

// Parsed is what Parse made of a reply.
type Parsed struct {
	// Commands holds each Op at most once, at its first occurrence: an
	// identical repetition is dropped, a conflicting one is an Error.
	Commands []Command
	// Text is the rest of the reply with the command block removed,
	// line endings turned into "\n", and trimmed: what goes to the customer,
	// or the internal note's text when OpNote is present.
	Text string
	// Errors, in line order. When non-empty the caller must change nothing
	// and send the agent one short error mail listing them.
	Errors []Error
}

// Has reports whether the reply holds a command with op.
func (p Parsed) Has(op Op) bool {
	_, ok := p.Get(op)
	return ok
}

// Get returns the command with op, if the reply holds one.
func (p Parsed) Get(op Op) (Command, bool) {
	for _, c := range p.Commands {
		if c.Op == op {
			return c, true
		}
	}
	return Command{}, false
}

// Error is one problem with a command line, worded for the agent who wrote
// it: which line, what they typed, what is wrong and how to fix it.
type Error struct {
	Line    int
	Input   string // the line as typed (trimmed, cut to maxInput runes)
	Problem string
	Fix     string
}

// Error formats e as one line of the error mail.
func (e Error) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + e.Input + ": " + e.Problem + "; " + e.Fix
}

// maxLines bounds how far down a reply commands are looked for. Fifty lines
// is far more than any agent types, and keeps Parse cheap on a 10 MB paste.
const maxLines = 50

// maxInput bounds how much of a bad line is quoted back in an Error.
const maxInput = 100

// Parse reads the command block at the top of an agent's reply (already
// stripped of the quoted notification and the signature). It never panics
// and never fails; problems are in Parsed.Errors.
func Parse(text string) Parsed {
	text = normalizeNewlines(text)
	p := &parser{}
	rest, n := text, 0
	for rest != "" && n < maxLines {
		line, after, _ := strings.Cut(rest, "\n")
		t := trim(line)
		if t != "" && !isCandidate(t) {
			break // the first line of text: rest starts with it
		}
		n++
		if t != "" {
			p.line(n, t)
		}
		rest = after
	}
	body := strings.TrimLeftFunc(rest, isSpace)
	if n == maxLines && isCandidate(firstLine(body)) {
		// Still commands past the limit: saying so is better than sending
		// "#assign ..." to the customer as text.
		skipped := rest[:len(rest)-len(body)]
		at := n + 1 + strings.Count(skipped, "\n")
		p.fail(at, firstLine(body), "command after the first "+strconv.Itoa(maxLines)+" lines",
			"put all commands together at the top of the reply")
	}
	p.out.Text = strings.TrimRightFunc(body, isSpace)
	p.finish()
	return p.out
}

// parser accumulates one Parse.
type parser struct {
	out Parsed
}

// line handles one command candidate t (trimmed, starting with "#letter").
func (p *parser) line(n int, t string) {
	word, arg := splitCommand(t)
	op, ok := lookupOp(word)
	if !ok {
		p.fail(n, t, "unknown command", suggestOp(word))
		return
	}
	norm, problem, fix := normalizeArg(op, word, arg)
	if problem != "" {
		p.fail(n, t, problem, fix)
		return
	}
	p.add(Command{Op: op, Arg: norm, Line: n}, t)
}

// add records c unless it repeats or contradicts an earlier command.
func (p *parser) add(c Command, input string) {
	for _, prev := range p.out.Commands {
		if prev.Op == c.Op {
			if prev.Arg != c.Arg {
				p.fail(c.Line, input, "contradicts "+show(prev)+" on line "+strconv.Itoa(prev.Line),
					"keep only one #"+string(c.Op))
			}
			return // an identical repetition changes nothing
		}
	}
	for _, prev := range p.out.Commands {
		if why := conflict(prev.Op, c.Op); why != "" {
			p.fail(c.Line, input, "cannot go with "+show(prev)+" on line "+strconv.Itoa(prev.Line)+": "+why,
				"keep only one of them")
			break // one reason per line keeps the error mail short
		}
	}
	p.out.Commands = append(p.out.Commands, c)
}

// conflict says why a and b cannot be in the same reply, or "" if they can.
func conflict(a, b Op) string {
	if a > b {
		a, b = b, a
	}
	switch [2]Op{a, b} {
	case [2]Op{OpNote, OpUpdate}, [2]Op{OpNote, OpNow}, [2]Op{OpNote, OpResolve}:
		return "a note is never sent to the customer"
	case [2]Op{OpResolve, OpStatus}:
		return "#resolve already sets the status"
	case [2]Op{OpResolve, OpUpdate}:
		return "a proposed resolution is not a progress update"
	}
	return ""
}

// finish checks what needs the whole reply and orders the errors.
func (p *parser) finish() {
	if p.out.Text == "" {
		for _, op := range []Op{OpUpdate, OpNow} {
			c, ok := p.out.Get(op)
			if ok && !p.hasErrorOn(c.Line) {
				p.fail(c.Line, "#"+string(op), "there is no text to send",
					"write the text for the customer below the commands")
			}
		}
	}
	sort.SliceStable(p.out.Errors, func(i, j int) bool { return p.out.Errors[i].Line < p.out.Errors[j].Line })
}

func (p *parser) hasErrorOn(line int) bool {
	for _, e := range p.out.Errors {
		if e.Line == line {
			return true
		}
	}
	return false
}

func (p *parser) fail(n int, input, problem, fix string) {
	p.out.Errors = append(p.out.Errors, Error{Line: n, Input: cut(input, maxInput), Problem: problem, Fix: fix})
}

// show writes a command back as an agent would type it.
func show(c Command) string {
	if c.Arg == "" {
		return "#" + string(c.Op)
	}
	return "#" + string(c.Op) + " " + c.Arg
}

// isCandidate reports whether a trimmed line is meant as a command: '#'
// followed at once by a letter. "# heading" (Markdown), "##", "#" and
// "#1234" (a case number) are text.
func isCandidate(t string) bool {
	if len(t) < 2 || t[0] != '#' {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[1:])
	return unicode.IsLetter(r)
}

// splitCommand splits "#word: arg" into the word and the trimmed argument.
// The word runs over letters, digits, marks, '-' and '_', so "#re-solve"
// is one (unknown) word and not "#re" with an argument.
func splitCommand(t string) (word, arg string) {
	s := t[1:]
	end := strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) && r != '-' && r != '_'
	})
	if end < 0 {
		end = len(s)
	}
	word, arg = s[:end], trim(s[end:])
	if strings.HasPrefix(arg, ":") {
		arg = trim(arg[1:])
	}
	return word, arg
}

// normalizeNewlines turns CRLF and lone CR into LF, so line numbers and
// Text are the same whatever client wrote the reply.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// isSpace is unicode.IsSpace plus the invisible characters HTML-to-text
// conversions leave behind (zero-width space, BOM), so a line Outlook
// filled with them counts as blank.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060'
}

func trim(s string) string { return strings.TrimFunc(s, isSpace) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return trim(line)
}

// cut shortens s to n runes, marking the cut, and replaces invalid UTF-8 so
// the error mail is always valid text.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}
