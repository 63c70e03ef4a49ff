package bounce

import "strings"

// evidence is how sure the wording of a message makes us that it is a
// bounce without a delivery-status part.
type evidence int

const (
	none   evidence = iota
	weak            // a mail system's sender, or its subject, alone: an auto-reply header wins
	strong          // a mail system's own sentences, or sender, subject and words agreeing
)

// signatures are sentences that only mail systems write in their bounces.
// Any one of them in the text makes a bounce.
var signatures = []string{
	"this is the qmail-send program",
	"this message was created automatically by mail delivery software",
	"the following addresses had permanent fatal errors",
	"----- transcript of session follows -----",
	"this is the mail system at host",
	"i'm sorry to have to inform you that your message could not",
	"delivery to the following recipient failed permanently",
	"delivery to the following recipients failed",
	"delivery to the following recipient has been delayed",
	"delivery has failed to these recipients or groups",
	"your message did not reach some or all of the intended recipients",
	"sorry, we were unable to deliver your message to the following address",
	"this is the dragonfly mail agent",
	"i'm afraid i wasn't able to deliver your message",
	"message delivery to the following address has failed",
	"unable to deliver message to the following address",
	"could not be delivered to one or more recipients",
	"the original message was received at",
	"a message that you sent could not be delivered to one or more of its",
	"this is a permanent error. the following address(es) failed",
	"following address(es) failed:",
	"message has not been delivered to the following recipient",
	"your message could not be delivered to the following recipient",
	"the following recipient(s) could not be reached",
	"your message was not delivered to the following recipient",
	"this is an automatically generated delivery status notification",
	"could not be delivered to: <",
}

// failureWords are phrases of failed delivery. With a mail-system sender
// or a bounce subject they make a bounce.
var failureWords = []string{
	"could not be delivered", "couldn't be delivered", "was not delivered", "not be delivered",
	"could not deliver", "unable to deliver", "failed to deliver", "delivery failed",
	"delivery failure", "undeliverable", "undelivered", "permanent error", "permanent failure",
	"fatal error", "user unknown", "no such user", "does not exist", "delivery has failed",
	"delivery problem", "returned mail", "message delayed", "has been delayed", "delivery is delayed",
	"still being retried", "will keep trying", "has not yet been delivered", "non-delivery",
	"smtp error", "remote host said",
}

// bounceSubjects are subjects that mail systems give their bounces, in
// English, French, German, Spanish and a few others.
var bounceSubjects = []string{
	"undelivered mail returned to sender", "delivery status notification", "mail delivery failed",
	"failure notice", "returned mail", "undeliverable", "undelivered", "non remis", "unzustellbar",
	"nicht zustellbar", "no se puede entregar", "no entregado", "non recapitabile", "delivery failure",
	"delivery failed", "failed delivery", "failure delivery", "mail delivery failure",
	"mail system error", "could not be delivered", "delivery notification", "delayed mail",
	"delivery delayed", "non-delivery", "nondeliverable", "returned to sender", "mail failure",
	"error sending your mail", "permanent delivery failure", "could not send mail",
	"message not delivered", "delivery report", "warning: message", "delivery problem",
	"échec de la remise", "impossible de remettre", "zustellung fehlgeschlagen",
	"mensaje no entregado", "devolución de correo", "delivery failure:",
	"メールエラー", "配信エラー", "送信エラー", "配送エラー", "不達", "未配達", "返送",
}

// bounceEvidence weighs the sender, the subject and the text. Customers
// write to support about bounces, in the same words ("Mail delivery
// failed", "could not be delivered"), and a message we wrongly call a
// bounce opens no case: so words alone are never enough. The message must
// also come from a mail system (MAILER-DAEMON, postmaster, "Mail Delivery
// System"), or be marked as machine-made (null reverse path,
// Auto-Submitted, X-Failed-Recipients); and a postmaster alone must use
// both the subject and the words of a bounce.
func bounceEvidence(m *message) evidence {
	daemon, sender := m.fromDaemon()
	if !sender && isReplyOrForward(m.subject) {
		// A person forwarding a bounce to us wants help with it.
		return none
	}
	if !daemon && !m.machineMade() {
		return none
	}
	text := strings.ToLower(m.errorText())
	subject := containsAny(m.subject, bounceSubjects)
	failure := containsAny(text, failureWords)
	switch {
	case containsAny(text, signatures), subject && (sender || failure), sender && failure:
		return strong
	case sender, subject && (daemon || hasInner(m.root)):
		// A subject alone could be a parcel service's "delivery failed".
		return weak
	}
	return none
}

// machineMade reports whether the header marks the message as sent by a
// program: the null reverse path of RFC 5321 section 4.5.5, Auto-Submitted
// (RFC 3834), or Exim's X-Failed-Recipients.
func (m *message) machineMade() bool {
	h := m.root.h
	as := strings.ToLower(strings.TrimSpace(h.get("auto-submitted")))
	return strings.TrimSpace(h.get("return-path")) == "<>" || as != "" && as != "no" ||
		h.has("x-failed-recipients")
}

// fromDaemon reports whether the message comes from a mail system: its
// From is MAILER-DAEMON or the like, the null address, or names a mail
// delivery system. A postmaster is a person as often as a program: sure
// is false for one unless the message also carries the returned message
// or a machine's marks.
func (m *message) fromDaemon() (daemon, sure bool) {
	local, _, _ := strings.Cut(m.from, "@")
	d := m.display
	switch {
	case strings.Contains(local, "daemon") || strings.Contains(d, "mailer-daemon") ||
		strings.Contains(d, "mail delivery") || strings.Contains(d, "mail deliver system") ||
		strings.Contains(d, "ndr administrator"), m.from == "" && strings.Contains(d, "<>"):
		return true, true
	case isDaemonAddr(m.from) || strings.Contains(d, "postmaster") || strings.Contains(d, "mail administrator") ||
		strings.Contains(d, "system administrator") && strings.Contains(m.subject, "undeliverable"):
		return true, m.machineMade() || hasInner(m.root)
	}
	return false, false
}

// isReplyOrForward reports whether a subject starts with the prefix a mail
// client adds to a reply or a forward.
func isReplyOrForward(subject string) bool {
	for _, p := range []string{"re:", "fw:", "fwd:", "tr:", "wg:", "aw:", "rv:", "enc:"} {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}
