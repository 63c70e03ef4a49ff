// Package support is the domain of casemail: Support Cases, the messages that
// make them up, their kinds and statuses, and the errors the rest of the
// program shares. It imports nothing of ours; every other package points
// inward to it.
package support

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// Kind is the incident kind of a case, as the support contract names them.
type Kind string

const (
	KindProblem       Kind = "problem"       // something in the service does not work
	KindConfiguration Kind = "configuration" // a request to change a configuration
	KindInformation   Kind = "information"   // a question
)

// Valid reports whether k is one of the three contract kinds.
func (k Kind) Valid() bool {
	return k == KindProblem || k == KindConfiguration || k == KindInformation
}

// Direction says whether a message came to us or left us.
type Direction string

const (
	Incoming Direction = "inbound"
	Outgoing Direction = "outbound"
	// Internal marks notes for the support team that no customer sees:
	// delivery failures, agents' internal notes.
	Internal Direction = "internal"
)

// Address is a mailbox: a display name and an addr-spec.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// String formats the address for people, not for headers.
func (a Address) String() string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// NormalizeAddress lower-cases an addr-spec for comparison. Local parts are
// case-sensitive by RFC 5321, but no mail system a customer uses treats them
// so, and matching participants must not depend on how a client spelt them.
func NormalizeAddress(addr string) string {
	return strings.ToLower(strings.TrimSpace(addr))
}

// Envelope is what the SMTP (or LMTP, or IMAP) transaction told us.
type Envelope struct {
	MailFrom   string    `json:"mail_from"`
	Rcpts      []string  `json:"rcpts"`
	Remote     string    `json:"remote,omitempty"`
	Helo       string    `json:"helo,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// LMTP: the message came through the MTA in front of casemail, whose
	// Authentication-Results header may then be trusted; never over SMTP,
	// where anyone can write that header.
	LMTP bool `json:"lmtp,omitempty"`
}

// Attachment is a part of a message that is not its text body: a file or an
// inline image. Data is filled by the parser and not kept in the store, where
// the raw message holds it.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	Data        []byte `json:"-"`
}

// AutoHeaders are the headers that tell a human message from an automatic
// one (RFC 3834, RFC 2076, RFC 2919, Microsoft's X-Auto-Response-Suppress).
// They are recorded on arrival so loop protection can consult them later.
type AutoHeaders struct {
	AutoSubmitted         string `json:"auto_submitted,omitempty"`
	Precedence            string `json:"precedence,omitempty"`
	ListID                string `json:"list_id,omitempty"`
	XAutoResponseSuppress string `json:"x_auto_response_suppress,omitempty"`
	// Loop is casemail's own loop marker (X-Casemail-Loop): set when the
	// message is mail casemail wrote, come back.
	Loop string `json:"loop,omitempty"`
}

// IsAutomatic reports whether the headers mark the message as sent by a
// machine rather than a person (RFC 3834 section 2; Precedence as used by
// list managers and vacation programs).
func (h AutoHeaders) IsAutomatic() bool {
	as := strings.ToLower(strings.TrimSpace(h.AutoSubmitted))
	if as != "" && as != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Precedence)) {
	case "bulk", "junk", "list":
		return true
	}
	return h.ListID != ""
}

// Message is one mail in a case, parsed. Message IDs are kept without angle
// brackets.
type Message struct {
	Seq        uint64    `json:"seq"` // store-wide arrival order
	Case       uint64    `json:"case"`
	Direction  Direction `json:"direction"`
	MessageID  string    `json:"message_id"`
	InReplyTo  []string  `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
	// ThreadIndex is Outlook's Thread-Index header; our replies extend it so
	// Outlook groups them under the customer's message.
	ThreadIndex string `json:"thread_index,omitempty"`

	From    Address   `json:"from"`
	Sender  Address   `json:"sender,omitempty"`
	To      []Address `json:"to,omitempty"`
	Cc      []Address `json:"cc,omitempty"`
	ReplyTo []Address `json:"reply_to,omitempty"`
	Subject string    `json:"subject"`
	Date    time.Time `json:"date"`

	// Text is the whole text body (text/plain preferred, HTML turned into
	// text otherwise); NewText is what the writer added, without the quoted
	// message and the signature. A case shows NewText.
	Text    string `json:"-"`
	NewText string `json:"text"`
	// TextTruncated says the store kept only the start of NewText (see
	// store.MaxStoredText); the whole of it is in the raw message.
	TextTruncated bool         `json:"text_truncated,omitempty"`
	HTML          bool         `json:"html,omitempty"` // the text came from HTML
	Language      string       `json:"language,omitempty"`
	Attachments   []Attachment `json:"attachments,omitempty"`
	Auto          AutoHeaders  `json:"auto,omitempty"`

	// Automatic is what a machine-written message is: "bounce",
	// "feedback" (an ARF report) or "auto-reply" (out of office); empty for
	// mail from a person.
	Automatic string `json:"automatic,omitempty"`
	// Visibility is public, internal or held for review; empty means
	// public (messages stored before it existed).
	Visibility Visibility `json:"visibility,omitempty"`
	// Author says who wrote it in the case's terms: "customer", "agent",
	// "system" (our automatic mail); empty for inbound mail not yet judged.
	Author   string       `json:"author,omitempty"`
	Envelope Envelope     `json:"envelope"`
	Auth     *AuthResults `json:"auth,omitempty"`
	// AuthPending: the sender check follows the filing (a new case; see
	// ingest.Options.Auth). HeldAck is the acknowledgement held until it
	// is known: a forged sender gets none.
	AuthPending bool   `json:"auth_pending,omitempty"`
	HeldAck     uint64 `json:"held_ack,omitempty"`
	RawSize     int64  `json:"raw_size"`
	// BodyHash identifies the content independent of line endings and
	// trace headers: with MessageID it tells a redelivery from a different
	// message that reuses an ID.
	BodyHash string `json:"body_hash,omitempty"`
	// Notes are things the parser wants an operator to know: a charset it
	// could not decode, a MIME structure cut off at a limit.
	Notes []string `json:"notes,omitempty"`
}

// AllReferences returns In-Reply-To followed by References from the newest
// to the oldest, without duplicates: the order in which a thread parent is
// most likely to be found.
func (m *Message) AllReferences() []string {
	seen := make(map[string]bool, len(m.InReplyTo)+len(m.References))
	out := make([]string, 0, len(m.InReplyTo)+len(m.References))
	add := func(id string) {
		if id != "" && id != m.MessageID && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return out
}

// Sentinel errors shared across packages. Callers wrap them with context;
// the SMTP layer maps them to reply codes in one place.
var (
	ErrNotFound       = errors.New("not found")
	ErrStoreClosed    = errors.New("store closed")
	ErrTooBig         = errors.New("message too big")
	ErrStoreLocked    = errors.New("database is locked by another process")
	ErrSchemaMismatch = errors.New("database schema version not supported")
)

// Delivery is what became of one incoming message.
type Delivery struct {
	Case        uint64 `json:"case,omitempty"`
	Seq         uint64 `json:"seq"`
	MessageID   string `json:"message_id,omitempty"`
	NewCase     bool   `json:"new_case,omitempty"`
	Duplicate   bool   `json:"duplicate,omitempty"`
	Quarantined bool   `json:"quarantined,omitempty"`
	// Reason says how the case was found, or why the message was quarantined.
	Reason string `json:"reason,omitempty"`
	// Unverified: the message was filed before its sender authentication
	// was checked; the check follows the commit.
	Unverified bool `json:"-"`
}

// SplitPlus splits local+detail@domain into "local@domain" (normalised) and
// "detail". ok is false when addr has no '@'. Plus-addressing is how reply
// tokens travel, so every support address accepts its plus variants.
func SplitPlus(addr string) (base, detail string, ok bool) {
	addr = NormalizeAddress(strings.Trim(addr, "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	local, domain := addr[:at], addr[at+1:]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local, detail = local[:i], local[i+1:]
	}
	return local + "@" + domain, detail, true
}

// Clone returns a copy of m that can be changed without changing m: the
// slices are capped, so appending to the copy's never writes into m's. A
// store write that changes a message works on a clone, because the write
// may run twice (see store.Write).
func (m *Message) Clone() *Message {
	c := *m
	c.InReplyTo = slices.Clip(m.InReplyTo)
	c.References = slices.Clip(m.References)
	c.To, c.Cc, c.ReplyTo = slices.Clip(m.To), slices.Clip(m.Cc), slices.Clip(m.ReplyTo)
	c.Attachments = slices.Clip(m.Attachments)
	c.Envelope.Rcpts = slices.Clip(m.Envelope.Rcpts)
	c.Notes = slices.Clip(m.Notes)
	if m.Auth != nil {
		a := *m.Auth
		a.DKIMDomains = slices.Clip(a.DKIMDomains)
		c.Auth = &a
	}
	return &c
}

// AuthResults are the sender-authentication verdicts recorded on every
// inbound message (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC), either
// checked by casemail or read from a trusted Authentication-Results header
// (RFC 8601) written by the MTA in front of it.
type AuthResults struct {
	FromDomain  string   `json:"from_domain,omitempty"`
	SPF         string   `json:"spf,omitempty"`        // pass, fail, softfail, neutral, none, temperror, permerror
	SPFDomain   string   `json:"spf_domain,omitempty"` // the MAIL FROM (or HELO) domain SPF checked
	DKIM        string   `json:"dkim,omitempty"`       // pass when at least one signature verified, else fail or none
	DKIMDomains []string `json:"dkim_domains,omitempty"`
	DMARC       string   `json:"dmarc,omitempty"` // pass, fail, none, temperror
	DMARCPolicy string   `json:"dmarc_policy,omitempty"`
	// Source is "casemail" when we checked, or "authserv-id=<id>" when a
	// trusted MTA's header was used.
	Source string `json:"source,omitempty"`
}
