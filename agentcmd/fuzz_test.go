package agentcmd

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/casemail/casemail/support"
)

// FuzzParse checks the contract the caller relies on: no panic; Text is the
// tail of the reply after the command block, so no command line of the
// block reaches the customer; every non-blank line of the block is either
// understood (a Command, or a repetition of one) or reported (an Error), so
// an error mail can list both; Commands are normalised and hold each Op
// once; and line endings do not change the result.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"#resolve\nFixed.", "#kind configuration\r\n#assign Luis@Example.com\r\n\r\nHola",
		"#status open\n#status waiting\nx", "#note\n#now", "#reslove", "# heading\n#now", "#1 priority",
		"\u00a0\n#estado: esperando.\n\u200b\nhola", "#assign a@b.c<mailto:a@b.c>", "#tipo Configuración",
		strings.Repeat("#now\n", maxLines) + "\n#note\nx", "#update", "\r#ahora\r\rhola",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Parse(in)
		checkText(t, in, got)
		checkBlock(t, in, got)
		checkCommands(t, got)
		for _, e := range got.Errors {
			if e.Line < 1 || e.Problem == "" || e.Fix == "" || !utf8.ValidString(e.Input) {
				t.Fatalf("bad error %+v", e)
			}
		}
		if !strings.Contains(in, "\r") {
			if crlf := Parse(strings.ReplaceAll(in, "\n", "\r\n")); !reflect.DeepEqual(crlf, got) {
				t.Fatalf("CRLF changed the result:\n%+v\n%+v", crlf, got)
			}
		}
	})
}

// checkText: Text is trimmed, is the tail of the reply, and does not begin
// with a command unless that is reported as an error.
func checkText(t *testing.T, in string, got Parsed) {
	t.Helper()
	norm := strings.TrimRightFunc(normalizeNewlines(in), isSpace)
	if got.Text != trim(got.Text) {
		t.Fatalf("Text not trimmed: %q", got.Text)
	}
	if !strings.HasSuffix(norm, got.Text) {
		t.Fatalf("Text %q is not the tail of the reply", got.Text)
	}
	if isCandidate(firstLine(got.Text)) && len(got.Errors) == 0 {
		t.Fatalf("Text starts with a command and no error says so: %q", firstLine(got.Text))
	}
}

// checkBlock: every non-blank line before Text is a command candidate, and
// each is understood or reported.
func checkBlock(t *testing.T, in string, got Parsed) {
	t.Helper()
	norm := strings.TrimRightFunc(normalizeNewlines(in), isSpace)
	start := len(norm) - len(got.Text)
	if got.Text == "" {
		start = len(norm)
	}
	block := strings.Split(norm[:start], "\n")
	if got.Text != "" {
		block = block[:len(block)-1] // the part of Text's first line before it: blank
	}
	for i, line := range block {
		n, tl := i+1, trim(line)
		if tl == "" {
			continue
		}
		if !isCandidate(tl) {
			t.Fatalf("line %d %q is text but was not kept in Text", n, tl)
		}
		if !accounted(got, n, tl) {
			t.Fatalf("line %d %q is neither a command nor an error: %+v", n, tl, got)
		}
	}
	for _, c := range got.Commands {
		if c.Line < 1 || c.Line > len(block) || c.Line > maxLines {
			t.Fatalf("command %+v outside the block of %d lines", c, len(block))
		}
	}
}

// accounted reports whether line n (text tl) has a Command or an Error, or
// repeats an earlier Command exactly.
func accounted(got Parsed, n int, tl string) bool {
	for _, c := range got.Commands {
		if c.Line == n {
			return true
		}
	}
	for _, e := range got.Errors {
		if e.Line == n {
			return true
		}
	}
	word, arg := splitCommand(tl)
	op, ok := lookupOp(word)
	if !ok {
		return false
	}
	v, problem, _ := normalizeArg(op, word, arg)
	c, ok := got.Get(op)
	return ok && problem == "" && c.Arg == v && c.Line < n
}

func checkCommands(t *testing.T, got Parsed) {
	t.Helper()
	seen := map[Op]bool{}
	for _, c := range got.Commands {
		if seen[c.Op] {
			t.Fatalf("%s twice in %+v", c.Op, got.Commands)
		}
		seen[c.Op] = true
		switch c.Op {
		case OpStatus:
			if c.Arg != "open" && c.Arg != "waiting" {
				t.Fatalf("status %q", c.Arg)
			}
		case OpKind:
			if !support.Kind(c.Arg).Valid() {
				t.Fatalf("kind %q", c.Arg)
			}
		case OpAssign:
			if c.Arg != strings.ToLower(c.Arg) || !validAddrSpec(c.Arg) {
				t.Fatalf("assign %q", c.Arg)
			}
		case OpNote, OpResolve, OpUpdate, OpNow:
			if c.Arg != "" {
				t.Fatalf("%s with argument %q", c.Op, c.Arg)
			}
		default:
			t.Fatalf("unknown op %q", c.Op)
		}
	}
}
