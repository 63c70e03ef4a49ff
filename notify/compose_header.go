package notify

import (
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// maxReferences bounds the References field: RFC 5322 §3.6.4 lets a
	// long chain be trimmed, and the first message plus the last twenty is
	// what threading clients need (the root and the recent parents).
	maxReferences = 21
	// maxMsgIDLen drops identifiers no real client writes; they could not
	// be folded under the 998-octet line limit of RFC 5322 §2.1.1.
	maxMsgIDLen = 250
	// maxTopicRunes bounds the echoed subject. It is customer text that an
	// acknowledgement repeats, so a longer one only serves abuse.
	maxTopicRunes = 200
	// maxNameRunes bounds display names for the same reason.
	maxNameRunes = 100
	// rfc5322Date is the date-time of RFC 5322 §3.3.
	rfc5322Date = "Mon, 02 Jan 2006 15:04:05 -0700"
)

// headerFields builds the letter's header, in the order written. Every
// value passes through headerText, cleanAddrSpec or cleanMsgID first, so no
// CR, LF or other control character from a Letter reaches the header.
func (c *Composer) headerFields(l *Letter, lang string, date time.Time) ([]headerField, error) {
	to, err := cleanAddrSpec(l.To.Address)
	if err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	id := cleanMsgID(l.MessageID)
	if !strings.Contains(id, "@") {
		return nil, fmt.Errorf("message-id %q: want id@domain", l.MessageID)
	}
	topic := subjectTopic(l.CaseSubject)
	f := []headerField{
		{"Date", date.Format(rfc5322Date)},
		{"From", formatAddress(c.fromName(l), c.address)},
		{"To", formatAddress(displayName(l.To.Name), to)},
	}
	if strings.TrimSpace(l.ReplyTo) != "" {
		rt, err := cleanAddrSpec(l.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
		f = append(f, headerField{"Reply-To", formatAddress(c.name, rt)})
	}
	f = append(f, headerField{"Message-ID", "<" + id + ">"})
	inReplyTo, refs := referenceChain(id, l.InReplyTo, l.References)
	if inReplyTo != "" {
		f = append(f, headerField{"In-Reply-To", "<" + inReplyTo + ">"})
	}
	if len(refs) > 0 {
		f = append(f, headerField{"References", "<" + strings.Join(refs, "> <") + ">"})
	}
	f = append(f, headerField{"Subject", subjectField(l.CaseNumber, topic)})
	if topic != "" {
		// Outlook groups a conversation by Thread-Topic, the subject
		// without prefixes: the customer's client set it to this same
		// text.
		f = append(f, headerField{"Thread-Topic", encodeText(topic)})
	}
	f = append(f, headerField{"Thread-Index", c.threadIndex(l, date)})
	f = append(f, headerField{"Content-Language", lang})
	if as := autoSubmitted(l); as != "" {
		f = append(f, headerField{"Auto-Submitted", as}, headerField{"X-Auto-Response-Suppress", "All"})
	}
	// Our loop marker: mail that comes back carrying it (a forward, a
	// misconfigured alias pointing back at us) is never answered
	// automatically, whatever else it says.
	f = append(f, headerField{LoopHeader, c.address})
	return f, nil
}

// fromName is our display name, or "Agent via Support" when an agent
// writes: customers see who answers while replies still come to us.
func (c *Composer) fromName(l *Letter) string {
	if l.Agent == nil || l.Kind.automatic() {
		return c.name
	}
	agent := displayName(l.Agent.Name)
	switch {
	case agent == "":
		return c.name
	case c.name == "":
		return agent
	}
	return agent + " via " + c.name
}

// subjectField is "[Case #N] topic". The tag stays plain ASCII before the
// encoded topic, so it reads in the raw header too (RFC 2047 §5 allows
// encoded-words beside plain text in an unstructured field).
func subjectField(number uint64, topic string) string {
	s := fmt.Sprintf("[Case #%d]", number)
	if topic != "" {
		s += " " + encodeText(topic)
	}
	return s
}

// autoSubmitted is the Auto-Submitted value for l, empty for a person's
// letter. RFC 3834 §5: "auto-replied" for a response to a message (the
// acknowledgement), "auto-generated" for anything else a program sends on
// its own (a notice). Precedence is not written: no standard defines it,
// and its bulk and junk values read as spam. Exchange and Outlook do not
// read Auto-Submitted, so
// automatic letters also carry X-Auto-Response-Suppress: All, which keeps
// their out-of-office replies and receipts from answering us.
func autoSubmitted(l *Letter) string {
	switch {
	case l.Kind == LetterNotice:
		return "auto-generated"
	case l.Auto || l.Kind.automatic():
		return "auto-replied"
	}
	return ""
}

// threadIndex extends the Thread-Index of the message answered, or starts
// one seeded with the case, so every letter of a case without an Outlook
// index still shares one conversation GUID.
func (c *Composer) threadIndex(l *Letter, date time.Time) string {
	if _, ok := parseThreadIndex(l.ThreadIndex); ok {
		return ChildThreadIndex(l.ThreadIndex, date)
	}
	return NewThreadIndex(strconv.FormatUint(l.CaseNumber, 10)+" "+c.address, date)
}

// referenceChain cleans In-Reply-To and References (RFC 5322 §3.6.4):
// identifiers are deduplicated, our own is dropped, the message answered is
// made the last reference (a reply's References is its parent's plus the
// parent's Message-ID), and a long chain keeps its first identifier and
// the last maxReferences-1.
func referenceChain(self, inReplyTo string, refs []string) (string, []string) {
	inReplyTo = cleanMsgID(inReplyTo)
	if inReplyTo == self {
		inReplyTo = ""
	}
	seen := map[string]bool{self: true, "": true, inReplyTo: true}
	chain := make([]string, 0, len(refs)+1)
	for _, r := range refs {
		if r = cleanMsgID(r); !seen[r] {
			seen[r] = true
			chain = append(chain, r)
		}
	}
	if inReplyTo != "" {
		chain = append(chain, inReplyTo)
	}
	if len(chain) > maxReferences {
		chain = append(chain[:1], chain[len(chain)-(maxReferences-1):]...)
	}
	return inReplyTo, chain
}

// replyPrefix matches one reply or forward prefix as clients in English,
// German, Spanish, Dutch, the Nordic languages, French and Portuguese write
// them, with an optional counter ("Re[2]:", "RE (3):").
var replyPrefix = regexp.MustCompile(`(?i)^\s*(?:re|fwd?|aw|wg|rv|antw|sv|vs|tr|res|enc)\s*(?:\[\d+\]|\(\d+\))?\s*:`)

// caseTag matches our subject tag, also as a client may have mangled it.
var caseTag = regexp.MustCompile(`(?i)\[\s*case\s*#\s*\d+\s*\]`)

// subjectTopic returns subject without reply and forward prefixes and
// without any [Case #N] tag, cleaned for a header and cut to a sane
// length: the subject our letters carry after the tag, and their
// Thread-Topic.
func subjectTopic(subject string) string {
	s := headerText(caseTag.ReplaceAllString(subject, " "))
	for {
		loc := replyPrefix.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = strings.TrimSpace(s[loc[1]:])
	}
	return cutRunes(headerText(s), maxTopicRunes)
}

// headerText makes s safe as (part of) an unstructured header value: every
// control character, including CR, LF, NUL and the Unicode line and
// paragraph separators, becomes a space, runs of spaces become one, and
// invalid UTF-8 is replaced. Bidirectional controls are removed, so a
// subject cannot reverse how the rest of the line reads.
func headerText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.Is(unicode.Bidi_Control, r):
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// displayName cleans a display name and cuts it to maxNameRunes: an
// unbroken ASCII name cannot be folded, and no real name is that long.
func displayName(s string) string { return cutRunes(headerText(s), maxNameRunes) }

// cutRunes shortens s to at most n runes, marking the cut with an ellipsis.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

// encodeText encodes an unstructured value as RFC 2047 encoded-words when
// it is not plain ASCII. mime keeps each word within 75 characters and
// separates words by spaces, where go-message folds.
func encodeText(s string) string { return mime.QEncoding.Encode("utf-8", s) }

// formatAddress formats a mailbox. net/mail quotes an ASCII display name
// and RFC 2047-encodes any other.
func formatAddress(name, addr string) string {
	return (&mail.Address{Name: name, Address: addr}).String()
}

// cleanAddrSpec accepts a bare addr-spec (angle brackets allowed) and
// nothing else: not a display name, not a list, not a control character.
func cleanAddrSpec(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty address")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", fmt.Errorf("address %q: contains a space or control character", s)
		}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", s, err)
	}
	if a.Name != "" || a.Address != s {
		return "", fmt.Errorf("address %q: not a bare addr-spec", s)
	}
	return a.Address, nil
}

// cleanMsgID strips angle brackets, white space and control characters from
// a message identifier; over-long identifiers become empty and are dropped.
func cleanMsgID(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	if len(s) > maxMsgIDLen {
		return ""
	}
	return s
}

// LoopHeader marks mail casemail wrote.
const LoopHeader = "X-Casemail-Loop"
