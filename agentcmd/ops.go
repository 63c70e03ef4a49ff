package agentcmd

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/casemail/casemail/support"
)

// opNames lists every spelling of every op, canonical English first, then
// Spanish. It is a slice, not a map, so suggestions are deterministic.
// Spellings are folded (lower-case, no accents): "#Actualización" matches
// "actualizacion".
var opNames = []struct {
	name string
	op   Op
}{
	{"note", OpNote}, {"resolve", OpResolve}, {"status", OpStatus}, {"assign", OpAssign},
	{"kind", OpKind}, {"update", OpUpdate}, {"now", OpNow},
	{"type", OpKind}, {"internal", OpNote},
	{"nota", OpNote}, {"interno", OpNote}, {"interna", OpNote}, {"resolver", OpResolve},
	{"estado", OpStatus}, {"asignar", OpAssign}, {"tipo", OpKind},
	{"actualizacion", OpUpdate}, {"actualizar", OpUpdate}, {"ahora", OpNow},
}

// usage is what an agent is told when a command cannot be guessed.
const usage = "the commands are #note, #resolve, #status open|waiting, #assign name@example.com, " +
	"#kind problem|configuration|information, #update, #now"

// resolveHint answers the commands agents coming from other ticket systems
// try first; a case closes only when the customer confirms.
const resolveHint = "use #resolve: it proposes the resolution and the case closes when the customer confirms"

// opHints are fixes for words that are not commands but say what the agent
// meant better than an edit distance would.
var opHints = map[string]string{
	"close": resolveHint, "closed": resolveHint, "resolved": resolveHint, "solved": resolveHint,
	"cerrar": resolveHint, "cerrado": resolveHint, "resuelto": resolveHint, "solucionado": resolveHint,
	"open": "write #status open", "reopen": "write #status open", "abrir": "write #estado abierto",
	"waiting": "write #status waiting", "wait": "write #status waiting", "esperando": "write #estado esperando",
	"problem": "write #kind problem", "config": "write #kind configuration", "configuration": "write #kind configuration",
	"info": "write #kind information", "information": "write #kind information", "assignto": "write #assign name@example.com",
}

var statusValues = []struct{ name, value string }{
	{"open", "open"}, {"waiting", "waiting"},
	{"opened", "open"}, {"wait", "waiting"},
	{"abierto", "open"}, {"abierta", "open"}, {"esperando", "waiting"}, {"en espera", "waiting"}, {"espera", "waiting"},
}

var kindValues = []struct{ name, value string }{
	{"problem", string(support.KindProblem)}, {"configuration", string(support.KindConfiguration)},
	{"information", string(support.KindInformation)},
	{"config", string(support.KindConfiguration)}, {"info", string(support.KindInformation)},
	{"incident", string(support.KindProblem)}, {"question", string(support.KindInformation)},
	{"problema", string(support.KindProblem)}, {"incidencia", string(support.KindProblem)},
	{"configuracion", string(support.KindConfiguration)}, {"informacion", string(support.KindInformation)},
	{"pregunta", string(support.KindInformation)}, {"consulta", string(support.KindInformation)},
}

// statusHints explain the statuses an agent cannot set by hand.
var statusHints = map[string]string{
	"closed": resolveHint, "close": resolveHint, "resolved": resolveHint, "resolution proposed": resolveHint,
	"resolution_proposed": resolveHint, "cerrado": resolveHint, "resuelto": resolveHint,
	"new": "a case cannot go back to new: write #status open", "nuevo": "a case cannot go back to new: write #estado abierto",
}

// maxWord bounds the words compared by edit distance and folded for lookup:
// no command or keyword is near that long, and it keeps the work per line
// small on a pasted megabyte.
const maxWord = 40

func lookupOp(word string) (Op, bool) {
	if len(word) > maxWord {
		return "", false
	}
	w := fold(word)
	for _, n := range opNames {
		if n.name == w {
			return n.op, true
		}
	}
	return "", false
}

// suggestOp says what to write instead of the unknown command word.
func suggestOp(word string) string {
	if len(word) > maxWord {
		return usage
	}
	w := fold(word)
	if h, ok := opHints[w]; ok {
		return h
	}
	names := make([]string, len(opNames))
	for i, n := range opNames {
		names[i] = n.name
	}
	if s := nearest(w, names); s != "" {
		return "did you mean #" + s + "?"
	}
	return usage
}

// normalizeArg checks the argument of op (typed as #word) and returns its
// normal form, or a problem and its fix.
func normalizeArg(op Op, word, arg string) (value, problem, fix string) {
	cmd := "#" + strings.ToLower(word)
	switch op {
	case OpStatus:
		return keyword(cmd, arg, "open or waiting", statusValues, statusHints)
	case OpKind:
		return keyword(cmd, arg, "problem, configuration or information", kindValues, nil)
	case OpAssign:
		return assignee(cmd, arg)
	}
	if arg != "" {
		return "", cmd + " takes nothing after it",
			"write " + cmd + " alone on its line and the text below the commands"
	}
	return "", "", ""
}

// keyword maps a keyword argument to its normal value.
func keyword(cmd, arg, want string, values []struct{ name, value string }, hints map[string]string) (string, string, string) {
	if arg == "" {
		return "", cmd + " needs " + want, "write " + cmd + " followed by " + want
	}
	if len(arg) > maxWord {
		return "", cmd + " expects " + want, "write " + cmd + " followed by " + want
	}
	// Autocorrect and habit add a full stop: "#status waiting."
	a := strings.Join(strings.Fields(fold(strings.TrimRight(arg, ".,;!"))), " ")
	names := make([]string, len(values))
	for i, v := range values {
		if v.name == a {
			return v.value, "", ""
		}
		names[i] = v.name
	}
	problem := cmd + " expects " + want + ", not " + quote(arg)
	if h, ok := hints[a]; ok {
		return "", problem, h
	}
	if s := nearest(a, names); s != "" {
		return "", problem, "did you mean " + cmd + " " + s + "?"
	}
	return "", problem, "write " + cmd + " followed by " + want
}

// assignee checks that arg is exactly one addr-spec and lower-cases it.
// Outlook's plain-text part writes a typed address as
// "luis@example.com<mailto:luis@example.com>"; that one form is accepted.
func assignee(cmd, arg string) (string, string, string) {
	fix := "write " + cmd + " followed by one address, like " + cmd + " luis@example.com"
	if arg == "" {
		return "", cmd + " needs the address of the agent", fix
	}
	a := strings.TrimRight(arg, ".,;")
	// Lower only ASCII here: strings.ToLower can change the byte length
	// (invalid UTF-8 becomes U+FFFD), and the index is used on a.
	if i := strings.Index(asciiLower(a), "<mailto:"); i > 0 && strings.HasSuffix(a, ">") {
		shown, link := trim(a[:i]), a[i+len("<mailto:"):len(a)-1]
		if !strings.EqualFold(shown, link) {
			return "", cmd + " has two different addresses", fix
		}
		a = shown
	}
	if strings.ContainsFunc(a, isSpace) {
		return "", cmd + " takes one address and nothing else", fix
	}
	a = strings.TrimPrefix(strings.ToLower(a), "mailto:")
	if len(a) > 2 && a[0] == '<' && a[len(a)-1] == '>' {
		a = a[1 : len(a)-1]
	}
	if !validAddrSpec(a) {
		return "", quote(arg) + " is not an email address", fix
	}
	return a, "", ""
}

// validAddrSpec accepts the addr-specs agents have: a dot-atom local part
// (RFC 5322 section 3.4.1; UTF-8 allowed as in RFC 6531) and a domain of
// two or more labels. Quoted local parts and address literals are valid
// mail but no agent has one, and a dotless domain is far likelier a typo
// ("luis@example") than a real mailbox.
func validAddrSpec(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if len(a) > 254 || at < 1 || at > 64 {
		return false
	}
	local, domain := a[:at], a[at+1:]
	for _, atom := range strings.Split(local, ".") {
		if atom == "" || strings.ContainsFunc(atom, func(r rune) bool { return !isAtext(r) }) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.ContainsFunc(l, func(r rune) bool { return r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			return false
		}
	}
	return true
}

// isAtext is RFC 5322 atext, widened to non-ASCII letters and digits.
func isAtext(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7f && !strings.ContainsRune(`()<>[]:;@\,."`, r)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// nearest returns the candidate closest to w by edit distance, if it is
// close enough to be a typo (at most 2 edits, and fewer than half of w).
// Ties go to the earlier candidate, which is the canonical spelling.
func nearest(w string, candidates []string) string {
	if w == "" || len(w) > maxWord {
		return ""
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(w, c); d < bestD && 2*d < len([]rune(w)) {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and transpositions of neighbours ("reslove")
// count one each.
func distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}

// fold lower-cases s and strips accents, so "Configuración", "CONFIGURACION"
// and "configuracion" are one word: agents type all three.
func fold(s string) string {
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			if out, _, err := transform.String(t, s); err == nil {
				return out
			}
			return s
		}
	}
	return s
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func quote(s string) string { return "\"" + cut(s, 40) + "\"" }
