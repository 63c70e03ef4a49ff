package mailparse

import (
	"strings"

	"github.com/casemail/casemail/support"
)

// parseAddressList reads an address list (RFC 5322 section 3.4) the way
// mail clients write it rather than the way the RFC does: groups are
// flattened, ';' separates like ',' (Outlook), a bare name-less addr-spec may
// carry its name in a comment, and an element that is not an address at all
// is skipped. hint is the charset for raw 8-bit names. bad counts skipped
// elements, for a note.
func parseAddressList(v, hint string) (list []support.Address, bad int) {
	for _, elem := range splitAddresses(v) {
		a, ok := parseAddress(elem, hint)
		if !ok {
			// "MAILER-DAEMON <>" is the null sender of a bounce: nothing
			// to read, but nothing broken either.
			if e := strings.TrimSpace(elem); e != "" && !strings.HasSuffix(e, "<>") {
				bad++
			}
			continue
		}
		list = append(list, a)
	}
	return list, bad
}

// splitAddresses splits at commas and semicolons outside quoted strings,
// comments and angle brackets, and drops group names ("team: a, b;"). An
// angle bracket left open would swallow the rest of the list, so then the
// list is split again without regard to brackets.
func splitAddresses(v string) []string {
	out, angleOpen := splitList(v, true)
	if angleOpen {
		out, _ = splitList(v, false)
	}
	return out
}

func splitList(v string, angles bool) (out []string, broken bool) {
	var cur strings.Builder
	depth, angle, quoted := 0, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '=' && !quoted && depth == 0 && strings.HasPrefix(v[i:], "=?") {
			// An encoded word is atomic: a comma inside it
			// ("=?iso-8859-1?Q?B=FCrling,=20Andreas?=") separates nothing.
			if _, _, n, ok := parseWord(v[i:]); ok {
				cur.WriteString(v[i : i+n])
				i += n - 1
				continue
			}
		}
		switch {
		case quoted:
			if c == '\\' && i+1 < len(v) {
				cur.WriteByte(c)
				i++
				c = v[i]
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<' && angles:
			if angle {
				broken = true // "<<": the brackets cannot be trusted
			}
			angle = true
		case c == '>':
			angle = false
		case angle:
		case c == ':' && !strings.Contains(cur.String(), "@"):
			cur.Reset() // a group name: its members follow
			continue
		case c == ',' || c == ';':
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String()), broken || angle
}

// parseAddress reads one mailbox: `"Name" <addr>`, `Name <addr>`, `addr`,
// `addr (Name)`.
func parseAddress(s, hint string) (support.Address, bool) {
	text, comment := stripComments(s)
	text = strings.TrimSpace(text)
	var name, addr string
	lt := strings.LastIndexByte(text, '<')
	if lt >= 0 {
		gt := strings.IndexByte(text[lt:], '>')
		if gt < 0 {
			if !strings.Contains(text[lt:], "@") {
				return support.Address{}, false // "broken <<"
			}
			gt = len(text) - lt
		}
		addr = text[lt+1 : lt+gt]
		name = text[:lt]
		if lt+gt+1 < len(text) {
			name += " " + text[lt+gt+1:]
		}
	} else {
		addr = bareAddrSpec(text)
		name = strings.TrimSpace(strings.Replace(text, addr, "", 1))
	}
	addr = cleanAddr(fix8bit(addr, hint))
	if addr == "" || (lt < 0 && strings.ContainsAny(addr, " \t") && !strings.HasPrefix(addr, `"`)) {
		return support.Address{}, false
	}
	name = cleanName(name, hint)
	if name == "" {
		name = cleanName(comment, hint)
	}
	if strings.EqualFold(name, addr) {
		name = ""
	}
	return support.Address{Name: name, Address: addr}, true
}

// bareAddrSpec finds the addr-spec in text without angle brackets: the
// word with an '@', its local part possibly a quoted string
// ("Millions Lottery"@example.com), else the whole text when it is one
// word (a local MAILER-DAEMON).
func bareAddrSpec(text string) string {
	at := strings.IndexByte(text, '@')
	if at < 0 {
		if f := strings.Fields(text); len(f) == 1 {
			return f[0]
		}
		return ""
	}
	start := strings.LastIndexAny(text[:at], " \t") + 1
	if at > 0 && text[at-1] == '"' {
		if q := strings.LastIndexByte(text[:at-1], '"'); q >= 0 {
			start = q
		}
	}
	end := strings.IndexAny(text[at:], " \t>")
	if end < 0 {
		end = len(text) - at
	}
	return text[start : at+end]
}

func cleanAddr(a string) string {
	a = strings.TrimSpace(a)
	if !strings.HasPrefix(a, `"`) || !strings.Contains(a, `"@`) {
		a = strings.Trim(a, `"'<>`) // keep a quoted local part
	}
	if len(a) > 7 && strings.EqualFold(a[:7], "mailto:") {
		a = a[7:]
	}
	// A route (obsolete syntax, RFC 5322 section 4.4): "@relay:user@host".
	if strings.HasPrefix(a, "@") {
		if i := strings.IndexByte(a, ':'); i >= 0 {
			a = a[i+1:]
		}
	}
	return strings.TrimSpace(a)
}

// cleanName unquotes a display name and decodes its encoded words. Words
// are decoded after unquoting because clients quote them although RFC 2047
// section 5 forbids it.
func cleanName(n, hint string) string {
	n = strings.TrimSpace(n)
	var sb strings.Builder
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c == '\\' && i+1 < len(n):
			i++
			sb.WriteByte(n[i])
		case c == '"':
		default:
			sb.WriteByte(c)
		}
	}
	n = decodeWords(sb.String(), hint)
	n = strings.Join(strings.Fields(n), " ")
	return strings.Trim(n, `'" `)
}

// stripComments removes (comments) outside quoted strings and returns the
// text of the first one, which old clients use for the display name.
func stripComments(s string) (text, first string) {
	var sb, com strings.Builder
	depth, quoted, seen := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\\' && i+1 < len(s) {
				sb.WriteByte(c)
				i++
				c = s[i]
			} else if c == '"' {
				quoted = false
			}
			sb.WriteByte(c)
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				seen = true
			}
		case depth > 0:
			if !seen {
				com.WriteByte(c)
			}
		default:
			if c == '"' {
				quoted = true
			}
			sb.WriteByte(c)
		}
	}
	return sb.String(), com.String()
}

// parseIDs extracts msg-ids (RFC 5322 section 3.6.4) without their angle
// brackets. Clients put junk between ids ("<a@b> (Jo's message of ...)"),
// forget the brackets, or fold inside an id; ids in brackets win, and only
// when there are none are bare words with an '@' taken.
func parseIDs(v string) []string {
	var ids []string
	rest := v
	for {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(rest[lt:], '>')
		if gt < 0 {
			break
		}
		id := strings.Join(strings.Fields(rest[lt+1:lt+gt]), "")
		if id != "" {
			ids = append(ids, id)
		}
		rest = rest[lt+gt+1:]
	}
	if len(ids) > 0 {
		return ids
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\n' }) {
		w = strings.Trim(w, "<>()\"'")
		if strings.Contains(w, "@") {
			ids = append(ids, w)
		}
	}
	if f := strings.Fields(v); len(ids) == 0 && len(f) == 1 {
		ids = append(ids, strings.Trim(f[0], "<>()\"'")) // Message-ID: 1234
	}
	return ids
}
