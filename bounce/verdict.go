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
	case containsAny(d, fullWords) || strings.HasSuffix(status, ".2.2"),
		containsAny(d, bigWords) || status == "5.2.3" || status == "5.3.4",
		containsAny(d, suspendWords):
		return other
	case containsAny(d, movedWords) || known && sc == moved:
		return moved
	case containsAny(d, relayWords), containsAny(d, authWords), containsAny(d, filterWords),
		strings.HasPrefix(status, "5.7.") && !known && !containsAny(d, directoryWords),
		status == "5.1.7" || status == "5.1.8":
		// A policy status (5.7.x) means the server chose to refuse,
		// whatever else it says; 5.1.7 and 5.1.8 blame our sender.
		return other
	case known && sc == noMail, containsAny(d, noMailWords):
		return noMail
	case containsAny(d, hostWords):
		return badHost
	}
	user := containsAny(d, userWords)
	switch {
	case known && sc == badUser && !containsAny(d, blockWords) && !containsAny(d, senderWords):
		return badUser
	case user && (command == "RCPT" || containsAny(d, directoryWords)):
		return badUser
	case user && (filterStatus[status] || command == "DATA" || command == "" && !known):
		// Refused after the message was seen, by a mailbox that is
		// there, or with nothing to tell a missing mailbox from a filter
		// that pretends one: not enough to stop mailing the address.
		return other
	case containsAny(d, senderWords), containsAny(d, netWords):
		return other
	case known && sc == badHost:
		return badHost
	case user:
		return badUser
	}
	return other
}

// isHard decides whether a failure means the address is bad. A temporary
// failure never does: the server asks us to try again.
func isHard(status string, code int, text string) bool {
	return isHardCmd(status, code, text, smtpCommand(text))
}

// isHardCmd is isHard when the SMTP command is known from elsewhere.
func isHardCmd(status string, code int, text, command string) bool {
	if strings.HasPrefix(status, "4") || status == "" && code/100 == 4 {
		return false
	}
	return classify(status, text, command) != other
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
		// qmail says it in words.
		{"DOES NOT LIKE RECIPIENT", "RCPT"}, {"FAILED AFTER I SENT THE MESSAGE", "DATA"},
	} {
		if i := lastToken(u, c.word); i > at {
			best, at = c.cmd, i
		}
	}
	return best
}

// lastToken returns where word last occurs in s as a word of its own
// (not inside "DATABASE", "mail.rcpt.example" or "rcpt@example.com"), or
// -1. "[RCPT_TO]" counts.
func lastToken(s, word string) int {
	for end := len(s); end > 0; {
		i := strings.LastIndex(s[:end], word)
		if i < 0 {
			return -1
		}
		j := i + len(word)
		if (i == 0 || !isAlnum(s[i-1]) && !strings.ContainsRune(".-@", rune(s[i-1]))) &&
			(j == len(s) || !isAlnum(s[j]) && s[j] != '@') {
			return i
		}
		end = i
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
