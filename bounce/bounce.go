// Package bounce tells the mail that machines send back from the mail that
// people write: delivery status notifications and the many non-standard
// bounce formats, abuse feedback reports, and automatic replies such as
// vacation notices. casemail must never open a case for any of them.
//
// It implements the reading side of:
//   - RFC 3464, the multipart/report; report-type=delivery-status format of
//     delivery status notifications, and its per-recipient fields;
//   - RFC 3463, the enhanced status codes ("5.1.1") that say what failed;
//   - RFC 5965, the Abuse Reporting Format (report-type=feedback-report);
//   - RFC 3834, the Auto-Submitted header of automatic responses.
//
// Most mail systems on the Internet still bounce in plain text (qmail,
// Exim, old Sendmail, Exchange, Gmail, Yahoo...), so the package also reads
// them by their senders, subjects and wording, and pulls the failed
// recipients and codes out of the prose. The classification follows
// sisimai, whose test corpus is the measure of this package (see the
// corpus test).
//
// It also knows the reports that are not RFCs: Hotmail's complaints,
// Apple Mail's unsubscribe requests and Amazon SES notifications.
// Read receipts (RFC 8098) count as automatic replies.
//
// It owns nothing but bytes: no I/O, no mutable global state, bounded work,
// and it never panics, whatever the input.
package bounce

import (
	"strings"

	"github.com/casemail/casemail/mailparse"
)

// Kind says which automatic kind a message is.
type Kind string

const (
	NotAutomatic Kind = ""           // written by a person, as far as we can tell
	Bounce       Kind = "bounce"     // a delivery status notification or other bounce
	Feedback     Kind = "feedback"   // an abuse or complaint report (ARF)
	AutoReply    Kind = "auto-reply" // a vacation notice or other RFC 3834 response
)

// Report is what Classify found out about one message.
type Report struct {
	Kind Kind
	// Recipients are the failed (or delayed) recipients of a bounce, in
	// the order the bounce names them. A DSN that reports only successful
	// delivery is a Bounce with no Recipients: it still opens no case.
	Recipients []Failure
	// OriginalMessageID is the Message-ID of the message a bounce or
	// report returns, without angle brackets: from its message/rfc822 or
	// text/rfc822-headers part, or from the headers quoted in a plain-text
	// bounce. For an auto-reply or a read receipt it is the message
	// answered (In-Reply-To, Original-Message-ID). It links the report to
	// our outgoing message when the envelope carries no VERP token, which
	// the caller should try first: Classify sees only the message.
	OriginalMessageID string
	// FeedbackType is the ARF Feedback-Type (abuse, fraud, opt-out, ...).
	FeedbackType string
}

// Failure is one recipient that a bounce reports as failed or delayed.
type Failure struct {
	// Recipient is the lower-cased addr-spec we sent to: Original-Recipient
	// when the DSN gives a usable one, else Final-Recipient, else the
	// address found in the text of the bounce.
	Recipient string
	Status    string // RFC 3463 enhanced status code ("5.1.1") when known
	Code      int    // SMTP reply code (550) when known
	// Hard means the address itself is bad: the user or domain does not
	// exist, has moved, or accepts no mail. Further mail to it is
	// pointless and harms our reputation, so it should be suppressed.
	// A permanent failure for any other reason (a full mailbox, a spam
	// filter, a policy) is not Hard: the same address may accept the next
	// message. This is sisimai's hard-bounce verdict.
	Hard       bool
	Diagnostic string // the remote server's explanation, on one line
}

// Classify looks at a raw message (any line endings: LF, CRLF, bare CR)
// and says what automatic kind it is. It never panics and bounds its work:
// it reads at most the first 2 MiB and 64 MIME entities.
func Classify(raw []byte) Report {
	if len(raw) > maxInput {
		raw = raw[:maxInput]
	}
	var p parser
	m := &message{root: p.parse(normalize(raw), 0)}
	m.init()

	if r, ok := classifyReport(m); ok {
		return r
	}
	if r, ok := classifyFeedback(m); ok {
		return r
	}
	if r, ok := classifySES(m); ok {
		return r
	}
	strength := bounceEvidence(m)
	if strength == strong {
		return textBounce(m)
	}
	if isAutoReply(m) {
		return Report{Kind: AutoReply, OriginalMessageID: m.inReplyTo()}
	}
	if strength == weak {
		return textBounce(m)
	}
	return Report{}
}

// message is a parsed message with the facts every classifier consults.
type message struct {
	root    *entity
	from    string // lower-cased addr-spec of From
	display string // lower-cased display name of From
	to      []string
	subject string // decoded, lower-cased
	text    *string
	errText *string
}

func (m *message) init() {
	h := m.root.h
	m.display, m.from = splitFrom(mailparse.DecodeHeader(h.get("from")))
	m.subject = strings.ToLower(strings.Join(strings.Fields(mailparse.DecodeHeader(h.get("subject"))), " "))
	for _, name := range []string{"to", "cc", "delivered-to", "return-path"} {
		for _, a := range findAddrs(h.get(name)) {
			m.to = append(m.to, a.addr)
		}
	}
}

// inReplyTo returns the first message ID of In-Reply-To: the message an
// automatic reply answers.
func (m *message) inReplyTo() string {
	return firstMsgID(m.root.h.get("in-reply-to"))
}

// firstMsgID returns the first message ID in v without its angle
// brackets, or "" when v holds none (an ID is id-left@id-right, RFC 5322
// section 3.6.4, with no spaces).
func firstMsgID(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	v = strings.TrimSpace(v)
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, "<> \t\r\n") {
		return ""
	}
	return v
}
