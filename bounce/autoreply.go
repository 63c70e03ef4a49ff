package bounce

import "strings"

// autoReplyHeaders are fields that vacation programs and autoresponders
// add to their replies, besides the standard Auto-Submitted of RFC 3834.
var autoReplyHeaders = []string{
	"x-autoreply", "x-autorespond", "x-autoresponder", "x-autoresponse", "x-auto-reply",
	"x-mail-autoreply", "x-vacation",
}

// autoReplySubjects start the subjects of out-of-office replies in the
// languages our customers write in.
var autoReplySubjects = []string{
	"out of office", "automatic reply", "auto reply", "auto-reply", "autoreply", "auto response",
	"autoresponse", "autorespons", "auto-response", "away from the office", "on vacation", "vacation reply",
	"respuesta automática", "respuesta automatica", "fuera de la oficina", "fuera de oficina",
	"réponse automatique", "reponse automatique", "absence du bureau", "automatische antwort",
	"abwesenheitsnotiz", "abwesend", "risposta automatica", "fuori sede", "resposta automática",
	"ausência", "automatisch antwoord", "afwezig",
}

// isAutoReply applies RFC 3834: Auto-Submitted: auto-replied marks a
// response a program sent for a person. Vacation programs that predate it
// say the same with their own fields or with Precedence: auto_reply; and
// Exchange marks its automatic replies only by subject and by asking for
// no further automatic responses (X-Auto-Response-Suppress), which is why
// a subject counts only together with such a sign of automation.
func isAutoReply(m *message) bool {
	h := m.root.h
	as := strings.ToLower(strings.TrimSpace(h.get("auto-submitted")))
	if strings.HasPrefix(as, "auto-replied") {
		return true
	}
	for _, name := range autoReplyHeaders {
		if v := strings.ToLower(strings.TrimSpace(h.get(name))); h.has(name) && v != "no" && v != "false" {
			return true
		}
	}
	prec := strings.ToLower(strings.TrimSpace(h.get("precedence")))
	if prec == "auto_reply" || prec == "auto-reply" {
		return true
	}
	if strings.Contains(strings.ToLower(h.get("x-apple-action")), "vacation") {
		return true
	}
	if !autoReplySubject(m.subject) {
		return false
	}
	automated := as != "" && as != "no" || h.has("x-auto-response-suppress") ||
		prec == "bulk" || prec == "junk" || strings.TrimSpace(h.get("return-path")) == "<>"
	return automated
}

// autoReplySubject reports whether the subject starts (after any
// bracketed tags, such as a ticket number) with an out-of-office phrase.
func autoReplySubject(s string) bool {
	for i := 0; i < 4 && strings.HasPrefix(s, "["); i++ {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			break
		}
		s = strings.TrimSpace(s[end+1:])
	}
	for _, p := range autoReplySubjects {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
