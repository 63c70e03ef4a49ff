package bounce

import "strings"

// The hard/soft verdict follows sisimai: a bounce is hard when the address
// itself is bad (its user or domain is unknown, it has moved, or the
// domain accepts no mail) and soft otherwise, whatever the status class. A
// full mailbox, a spam filter or a policy rejection is permanent for this
// message but says nothing against the next one.
//
// Servers word and code the same failure in many ways (5.0.0 and 5.7.1
// for everything is common), so the verdict weighs the enhanced status
// code (RFC 3463: subject 1 is the address, 2 the mailbox, ...), the
// wording, and the SMTP command the server answered. The command matters
// because a recipient refused after DATA was refused for what the message
// said, however the server phrased it: an "unknown user" at that point is
// a content filter speaking.

// class is what a failure says about the address.
type class int

const (
	other   class = iota // something else: soft
	badUser              // the mailbox does not exist
	badHost              // the domain does not exist or cannot be routed to
	moved                // the mailbox has moved
	noMail               // the domain accepts no mail (null MX)
)

var (
	fullWords = []string{"mailbox full", "mailbox is full", "mailbox has exceeded", "over quota", "overquota",
		"quota exceeded", "exceeded storage", "exceeds the storage", "insufficient disk", "disk quota",
		"exceed the quota", "exceeds quota", "mailbox size limit", "full mailbox", "too much mail",
		"mailbox exceeds", "quota", "storage allocation", "mailbox is over", "user is over", "is full"}
	bigWords = []string{"message size", "too large", "too big", "exceeds the maximum", "size exceeds",
		"message length exceeds", "exceeds administrative limit", "exceeded the size", "size limit"}
	suspendWords = []string{"suspended", "account disabled", "account has been disabled", "account is disabled",
		"mailbox disabled", "mailbox is disabled", "deactivated", "account is locked", "frozen", "on hold",
		"expired account", "account expired"}
	movedWords = []string{"has moved", "address has changed", "no longer", "not forwarded"}
	relayWords = []string{"relay access denied", "relaying denied", "relay not permitted", "not permitted to relay",
		"unable to relay", "relaying not allowed", "do not relay", "no relaying", "relay denied"}
	authWords = []string{"spf", "dkim", "dmarc", "sender policy framework"}
	userWords = []string{"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
		"no such address", "no such person", "mailbox not found", "mailbox does not exist", "unknown mailbox",
		"mailbox unavailable", "mailbox is unavailable", "mailbox not available", "mailbox is inactive",
		"invalid mailbox", "not a valid mailbox", "recipient unknown", "unknown recipient", "invalid recipient",
		"recipient not found", "recipient does not exist", "user not found", "user does not exist",
		"user doesn't exist", "address does not exist", "address unknown", "unknown address", "address not found",
		"does not exist", "doesn't exist", "not exist", "no mailbox", "bad destination mailbox",
		"unknown local", "not a known user", "no account", "invalid address", "address invalid",
		"not our customer", "badrcptto", "validrcptto", "no valid recipients", "user not known",
		"addressee unknown", "recipient invalid", "utilisateur inconnu", "no existe", "unbekannt",
		"couldn't be found", "could not be found", "not a valid user", "invalid final delivery userid",
		"doesn't have a", "inactive email address", "unknown e-mail address",
		"mailbox unknown", "user invalid", "account unavailable", "no user", "is not a valid", "email address is wrong",
		"not listed", "rejected: access denied", "recipient address rejected.", "name is not recognized",
		"recipient rejected"}
	filterWords = []string{"message filtered", "user reject", "refuse to receive", "refuses to receive",
		"not accepting any mail", "blocked by the recipient", "only accepting mail from", "rejected due to user rules",
		"recipient preferences", "550 : user unknown", ": : user unknown"}
	senderWords = []string{"sender address rejected", "sender rejected", "domain of sender address",
		"sender verify failed", "unroutable sender", "sender domain", "sender unknown", "unknown sender",
		"sender address", "mail from", "envelope sender", "sender is not", "invalid sender"}
	hostWords = []string{"host unknown", "unknown host", "host not found", "domain not found", "no such domain",
		"domain does not exist", "unrouteable", "unroutable address", "name or service not known",
		"host or domain name not found", "nxdomain", "domain name not found", "unable to route", "illegal host",
		"no mx", "dns lookup failure", "domain is not", "no route for", "hostname lookup", "unknown domain",
		"domain unknown", "non-existent domain", "not found in dns", "lookup failure"}
	blockWords = []string{"blocked", "blacklist", "blocklist", "block list", "listed at", "listed in", "rbl",
		"reputation", "spam", "rate limit", "too many", "throttl", "virus", "policy", "not authorized",
		"access denied", "refused", "prohibited", "banned", "denied", "ptr record", "reverse dns",
		"reverse lookup", "content", "rfc 5322", "rfc5322", "rfc 2822", "rfc2822"}
	otherWords = []string{"temporar", "try again", "timed out", "timeout", "connection", "network",
		"system error", "internal error", "mailer error", "expired", "retry time", "loop", "starttls", "tls",
		"could not be delivered for", "protocol error", "server error", "malformed"}
	netWords    = []string{"name service error", "name server", "malformed or unexpected"}
	noMailWords = []string{"does not accept mail", "null mx", "accepts no mail", "no smtp service",
		"does not accept any mail", "not accepting mail"}
)

// statusClass is what the enhanced status code alone says (RFC 3463 with
// the null MX codes of RFC 7505). Filter-like codes report as other.
func statusClass(status string) (class, bool) {
	switch status {
	case "5.1.0", "5.1.1", "5.1.3":
		return badUser, true
	case "5.1.2", "5.4.4":
		return badHost, true
	case "5.1.6", "4.1.6", "5.7.17", "5.7.18":
		return moved, true
	case "5.1.10", "5.3.2", "5.7.27":
		return noMail, true
	}
	return other, false
}

// filterStatus are codes of a mailbox that exists but refused the message.
var filterStatus = map[string]bool{"5.1.4": true, "5.2.0": true, "5.2.1": true, "5.2.4": true}

// classify decides what a failure says about the address, in the order
// that keeps the specific reasons from being read as the general ones.
func classify(status, text, command string) class {
	d := strings.ToLower(text)
	sc, known := statusClass(status)
	switch {
	case containsAny(d, fullWords) || strings.HasSuffix(status, ".2.2"):
		return other
	case containsAny(d, bigWords) || status == "5.2.3" || status == "5.3.4":
		return other
	case containsAny(d, suspendWords):
		return other
	case containsAny(d, movedWords) || known && sc == moved:
		return moved
	case containsAny(d, relayWords), containsAny(d, authWords):
		return other
	}
	user := containsAny(d, userWords)
	if known && sc == badUser && !containsAny(d, blockWords) && !containsAny(d, senderWords) && !containsAny(d, noMailWords) {
		return badUser
	}
	if command == "RCPT" && user {
		return badUser
	}
	if (user || containsAny(d, filterWords)) && (filterStatus[status] || command == "DATA") {
		return other
	}
	switch {
	case containsAny(d, senderWords) || status == "5.1.7" || status == "5.1.8":
		return other
	case containsAny(d, hostWords):
		return badHost
	case containsAny(d, netWords):
		return other
	case known && sc == badHost:
		return badHost
	case containsAny(d, blockWords), containsAny(d, otherWords):
		return other
	case containsAny(d, noMailWords) || known && sc == noMail:
		return noMail
	case user:
		return badUser
	}
	return sc
}

// isHard decides whether a failure means the address is bad. A temporary
// failure never is, and a domain that accepts no mail only when it says
// so permanently.
func isHard(status string, code int, text string) bool {
	return isHardCmd(status, code, text, smtpCommand(text))
}

func isHardCmd(status string, code int, text, command string) bool {
	temporary := strings.HasPrefix(status, "4") || status == "" && code/100 == 4
	switch classify(status, text, command) {
	case badUser, badHost, moved:
		return !temporary
	case noMail:
		return !temporary
	}
	return false
}

// smtpCommand finds the SMTP command the remote server was answering, as
// bounces report it: "in reply to RCPT TO command", "after end of data",
// ">>> DATA", "SMTP:RCPT", "[RCPT_TO]". The last one named wins: it is
// where the session stopped.
func smtpCommand(text string) string {
	u := strings.ToUpper(text)
	best, at := "", -1
	for _, c := range []struct{ word, cmd string }{
		{"RCPT", "RCPT"}, {"MAIL FROM", "MAIL"}, {"END OF DATA", "DATA"}, {"DATA", "DATA"},
		{"EHLO", "EHLO"}, {"HELO", "HELO"},
	} {
		if i := lastToken(u, c.word); i > at {
			best, at = c.cmd, i
		}
	}
	return best
}

// lastToken returns where word last occurs in s as a word of its own
// (not inside "DATABASE" or "rcpt@example.com"), or -1.
func lastToken(s, word string) int {
	for end := len(s); end > 0; {
		i := strings.LastIndex(s[:end], word)
		if i < 0 {
			return -1
		}
		j := i + len(word)
		if (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j]) && s[j] != '@') {
			return i
		}
		end = i
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
