// Package ingest turns one received message into durable state: it parses
// the raw bytes, decides the case in the same write transaction that stores
// them, and returns only after that transaction has committed. It is what
// Postfix calls cleanup: the listeners hand it bytes and an envelope, and
// answer the client from what it returns.
//
// Nothing accepted is ever dropped: a message that cannot be parsed, or
// that trips the MIME limits, is kept raw in quarantine with the reason.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/casemail/casemail/bounce"
	"github.com/casemail/casemail/mailparse"
	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
	"github.com/casemail/casemail/threading"
)

// Options configure an Ingester.
type Options struct {
	Limits    mailparse.Limits
	Threading threading.Options
	// Hostname is the right-hand side of Message-IDs we make up for
	// messages that arrive without one.
	Hostname string
	Logger   *slog.Logger
	Now      func() time.Time
	// Delivered, when set, is called after each committed delivery (outside
	// the transaction), for example to wake the notifier.
	Delivered func(support.Delivery)
	// Desk, when set, applies the support process to each message filed in
	// a case, inside the transaction that stores it: what it queues (the
	// acknowledgement, a relay, notifications) commits with the message or
	// not at all.
	Desk Desk
	// Auth, when set, checks sender authentication (SPF, DKIM, DMARC); the
	// result is recorded on every message filed from a person (delivery
	// reports, filed by the outgoing message they report on, are not
	// checked: nothing they do depends on it). Messages that claim a
	// place in an existing case or come from one of the addresses
	// AuthAlways names are checked before the write transaction, because
	// what they may do depends on it; the others (new cases) are filed at
	// once and checked after the commit by RunVerifier, so the SMTP
	// session never waits on a stranger's DNS.
	Auth       func(ctx context.Context, raw []byte, env support.Envelope) *support.AuthResults
	AuthAlways func(from string) bool
	// Verified, when set, is called inside the transaction that records a
	// deferred check's results on m; Checked after that transaction
	// committed (to wake what it released).
	Verified func(tx *store.Tx, m *support.Message) error
	Checked  func()
	// CheckTimeout bounds one deferred check (zero: 30 s).
	CheckTimeout time.Duration
	// ReopenWindow: a reply to a case resolved longer ago opens a new case
	// that links to it (0: never).
	ReopenWindow time.Duration
	// Bounced, when set, is given a bounce for one of our outgoing
	// messages, inside the transaction, with the outbox row it names (from
	// the VERP return path, else the returned Message-ID). It returns the
	// case the report belongs to, or 0 when the row is unknown. A bounce
	// never opens a case.
	// verp says the row was named by our signed VERP return path (else by
	// the returned Message-ID, which anyone who saw the message knows).
	Bounced func(tx *store.Tx, outboxID uint64, verp bool, m *support.Message, rep bounce.Report) (uint64, error)
}

// errCheckFirst stops a filing that needs the sender check it deferred.
var errCheckFirst = errors.New("sender check needed before filing")

// Desk is the support process that runs on each filed message.
type Desk interface {
	// Filed runs after m is stored in c (isNew when m opened c), in the same
	// transaction; it may update m and c and queue mail.
	Filed(tx *store.Tx, c *support.Case, m *support.Message, dec threading.Decision, isNew bool) error
}

// Ingester files incoming mail into cases.
type Ingester struct {
	st     *store.Store
	opt    Options
	verify chan struct{} // wakes RunVerifier
}

// New returns an Ingester writing to st.
func New(st *store.Store, opt Options) *Ingester {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Hostname == "" {
		opt.Hostname = "casemail.invalid"
	}
	if opt.CheckTimeout <= 0 {
		opt.CheckTimeout = defaultCheckTimeout
	}
	return &Ingester{st: st, opt: opt, verify: make(chan struct{}, 1)}
}

// Deliver parses raw, files it and returns once it is on disk. An error
// means nothing was stored; the caller answers with a temporary failure so
// the sender retries.
func (in *Ingester) Deliver(ctx context.Context, env support.Envelope, raw []byte) (support.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return support.Delivery{}, err
	}
	now := in.opt.Now()
	if env.ReceivedAt.IsZero() {
		env.ReceivedAt = now
	}
	m, perr := mailparse.Parse(raw, in.opt.Limits)
	bodyHash := BodyHash(raw)
	var d support.Delivery
	var err error
	switch reason := quarantineReason(m, env, perr); {
	case reason != "":
		d, err = in.quarantine(env, m, raw, bodyHash, reason)
	default:
		m.Direction = support.Incoming
		m.BodyHash = bodyHash
		m.Envelope = env
		if m.MessageID == "" {
			m.MessageID = in.syntheticID(raw)
			m.Notes = append(m.Notes, "no Message-ID: one was made from the message's hash")
		}
		if m.Date.IsZero() {
			m.Date = env.ReceivedAt
		}
		deferAuth := false
		if in.opt.Auth != nil {
			if deferAuth = !in.needsAuth(m); !deferAuth {
				m.Auth = in.opt.Auth(ctx, raw, env)
			}
		}
		rep := classify(m, raw)
		m.Automatic = string(rep.Kind)
		d, err = in.file(m, raw, rep, now, deferAuth)
		if errors.Is(err, errCheckFirst) {
			m.Auth = in.opt.Auth(ctx, raw, env)
			d, err = in.file(m, raw, rep, now, false)
		}
	}
	if err != nil {
		return d, err
	}
	in.log(d, env)
	if d.Unverified {
		in.kickVerifier()
	}
	if in.opt.Delivered != nil {
		in.opt.Delivered(d)
	}
	return d, nil
}

func quarantineReason(m *support.Message, env support.Envelope, perr error) string {
	switch {
	case perr != nil:
		return perr.Error()
	case m == nil:
		return "parser returned nothing"
	case m.From.Address == "" && m.Sender.Address == "" && env.MailFrom == "":
		return "no From, Sender or envelope sender: the case would have no customer to answer"
	}
	return ""
}

func (in *Ingester) file(parsed *support.Message, raw []byte, rep bounce.Report, now time.Time, deferAuth bool) (support.Delivery, error) {
	var d support.Delivery
	m := parsed
	if m.From.Address == "" {
		m.From = m.Sender
	}
	if m.From.Address == "" {
		m.From = support.Address{Address: m.Envelope.MailFrom}
		m.Notes = append(m.Notes, "no From header: the envelope sender is taken as the customer")
	}
	// CPU work stays outside the write transaction, which every writer
	// waits on.
	kind := support.Classify(m.Subject, m.NewText)
	lang := support.NormalizeLanguage(m.Language)
	if lang == "" {
		lang = support.DetectLanguage(m.Subject + "\n" + m.NewText)
	}
	err := in.st.Write(func(tx *store.Tx) error {
		// The write may run twice (a neighbour in its batch failed): each
		// run starts from the message as parsed, not as the last run left
		// it (the desk strips an agent's commands from the text, adds
		// notes...).
		m := parsed.Clone()
		d = support.Delivery{MessageID: m.MessageID}
		if n, ok := tx.HasCopy(m.MessageID, m.BodyHash); ok {
			d.Case, d.Duplicate, d.Reason = n, true, "duplicate message-id"
			return nil
		}
		if _, ok := tx.HasMessage(m.MessageID); ok {
			m.Notes = append(m.Notes, "an earlier message has the same Message-ID with other content; both are kept")
		}
		if id, verp, ok := in.reportedRow(tx, m, rep); ok && in.opt.Bounced != nil {
			n, err := in.opt.Bounced(tx, id, verp, m, rep)
			if err != nil {
				return fmt.Errorf("bounce for outbox %d: %w", id, err)
			}
			if n != 0 {
				return fileReport(tx, n, m, raw, id, now, &d)
			}
		}
		if why := unfileable(rep); why != "" {
			// Machine mail about nothing of ours: kept raw for an operator,
			// never a case (a case would acknowledge it, and loop).
			return in.quarantineTx(tx, m, raw, why, &d)
		}
		dec, err := threading.Assign(tx, m, m.Envelope.Rcpts, in.opt.Threading)
		if err != nil {
			return fmt.Errorf("thread: %w", err)
		}
		if deferAuth && dec.Case != 0 {
			// Nothing in the message claimed a case, yet it joins one (its
			// own Message-ID is known to it): what it may do there depends
			// on who sent it, so it is checked first after all.
			return errCheckFirst
		}
		var c *support.Case
		var linked uint64
		if dec.Case != 0 {
			if c, err = tx.Case(dec.Case); err != nil {
				return err
			}
			if in.stale(c, now) {
				// Resolved too long ago to reopen: a new case linked to it.
				linked, dec = c.Number, threading.Decision{Reason: threading.NewCase}
				m.Notes = append(m.Notes, fmt.Sprintf("case #%d was resolved longer ago than the reopen window", linked))
			} else {
				joinCase(c, m, dec)
			}
		}
		if dec.Case == 0 {
			if c, err = in.open(tx, m, kind, lang, now); err != nil {
				return err
			}
			if linked != 0 {
				c.Linked = append(c.Linked, linked)
			}
			d.NewCase = true
		}
		d.Reason = string(dec.Reason)
		if linked != 0 {
			d.Reason = fmt.Sprintf("new, linked to #%d", linked)
		}
		m.AuthPending = deferAuth
		if err := tx.AddMessage(c, m, raw, now); err != nil {
			return err
		}
		d.Case, d.Seq = c.Number, m.Seq
		if deferAuth {
			if err := tx.MarkUnverified(m.Seq); err != nil {
				return err
			}
			d.Unverified = true
		}
		if in.opt.Desk != nil {
			return in.opt.Desk.Filed(tx, c, m, dec, d.NewCase)
		}
		return nil
	})
	if err != nil {
		return support.Delivery{}, fmt.Errorf("file message %s: %w", m.MessageID, err)
	}
	return d, nil
}

func (in *Ingester) open(tx *store.Tx, m *support.Message, kind support.Kind, lang string, now time.Time) (*support.Case, error) {
	n, err := tx.NewCaseNumber()
	if err != nil {
		return nil, err
	}
	c := support.Open(n, m, kind, now)
	c.Language = lang
	return c, nil
}

// stale reports whether c was resolved longer ago than the reopen window.
func (in *Ingester) stale(c *support.Case, now time.Time) bool {
	return in.opt.ReopenWindow > 0 && c.Status == support.StatusResolved &&
		!c.ResolvedAt.IsZero() && now.Sub(c.ResolvedAt) > in.opt.ReopenWindow
}

// needsAuth says whether m's sender authentication matters: it claims a
// place in an existing case (references, a reply token, a case tag) or
// comes from an agent. Mail that can only open a new case is not checked:
// nothing it could do depends on the result, and the DNS is not free.
func (in *Ingester) needsAuth(m *support.Message) bool {
	if len(m.InReplyTo) > 0 || len(m.References) > 0 || threading.SubjectTag(m.Subject) != 0 {
		return true
	}
	for _, r := range m.Envelope.Rcpts {
		if _, ok := threading.TokenOf(r, in.opt.Threading.Addresses); ok {
			return true
		}
	}
	return in.opt.AuthAlways != nil && in.opt.AuthAlways(m.From.Address)
}

// reportedRow returns the outbox row a bounce is about: the one named by a
// VERP return path among the recipients, else (for a recognised bounce) the
// one whose Message-ID the bounce returns.
func (in *Ingester) reportedRow(tx *store.Tx, m *support.Message, rep bounce.Report) (id uint64, verp, ok bool) {
	for _, r := range m.Envelope.Rcpts {
		tok, ok := threading.TokenOf(r, in.opt.Threading.Addresses)
		if !ok || !strings.HasPrefix(tok, replytoken.BouncePrefix) {
			continue
		}
		if id, err := replytoken.ParseBounce(in.opt.Threading.Key, strings.TrimPrefix(tok, replytoken.BouncePrefix)); err == nil {
			return id, true, true
		}
	}
	if rep.Kind == bounce.Bounce && rep.OriginalMessageID != "" {
		id, ok := tx.OutboundByMessageID(rep.OriginalMessageID)
		return id, false, ok
	}
	return 0, false, false
}

// classify recognises bounces, feedback reports and automatic replies.
// Only mail that shows some sign of a machine is looked at closely: the
// classifier reads the whole message again, and a person's mail is the
// common case.
func classify(m *support.Message, raw []byte) bounce.Report {
	from := strings.ToLower(m.From.Address)
	subj := strings.ToLower(m.Subject)
	looks := m.Envelope.MailFrom == "" || m.Auto.IsAutomatic() || m.Auto.XAutoResponseSuppress != "" ||
		strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster") ||
		strings.Contains(from, "mail-daemon") || strings.Contains(from, "bounce") ||
		bytes.Contains(headerBlock(raw), []byte("multipart/report")) || len(m.Attachments) > 0 && hasReportPart(m) ||
		strings.Contains(subj, "deliver") || strings.Contains(subj, "undeliver") || strings.Contains(subj, "returned") ||
		strings.Contains(subj, "failure") || strings.Contains(subj, "out of office") || strings.Contains(subj, "automatic") ||
		strings.Contains(subj, "autom") || strings.Contains(subj, "vacation") || strings.Contains(subj, "abwesen") ||
		strings.Contains(subj, "unzustellbar") || strings.Contains(subj, "entreg") || strings.Contains(subj, "ausencia")
	if !looks {
		return bounce.Report{}
	}
	return bounce.Classify(raw)
}

func headerBlock(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i]
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i]
	}
	return raw
}

func hasReportPart(m *support.Message) bool {
	for _, a := range m.Attachments {
		if strings.HasPrefix(a.ContentType, "message/delivery-status") || strings.HasPrefix(a.ContentType, "message/feedback-report") ||
			strings.HasPrefix(a.ContentType, "message/rfc822") || strings.HasPrefix(a.ContentType, "text/rfc822-headers") {
			return true
		}
	}
	return false
}

// unfileable says why machine mail that is about no message of ours may
// not become a case.
func unfileable(rep bounce.Report) string {
	switch rep.Kind {
	case bounce.Bounce:
		return "a bounce for no message of ours"
	case bounce.Feedback:
		return "a feedback report (" + rep.FeedbackType + ")"
	}
	return ""
}

// fileReport stores a delivery report in the case of the message it is
// about, without touching the case's status or participants.
func fileReport(tx *store.Tx, n uint64, m *support.Message, raw []byte, id uint64, now time.Time, d *support.Delivery) error {
	c, err := tx.Case(n)
	if err != nil {
		return err
	}
	m.Notes = append(m.Notes, fmt.Sprintf("delivery report for outgoing message %d", id))
	if err := tx.AddMessage(c, m, raw, now); err != nil {
		return err
	}
	d.Case, d.Seq, d.Reason = n, m.Seq, "bounce"
	return nil
}

// joinCase records the sender of a new inbound message. The sender becomes a
// participant only on evidence that he received our thread (a token issued
// to him, or the Message-IDs of it); Cc'd addresses never do, so nobody can
// add a stranger by copying him.
func joinCase(c *support.Case, m *support.Message, dec threading.Decision) {
	switch {
	case dec.Reason == threading.ByReferences,
		dec.Reason == threading.ByToken && dec.TokenSenderMatch:
		c.AddParticipant(m.From)
	}
}

func (in *Ingester) quarantine(env support.Envelope, m *support.Message, raw []byte, bodyHash, reason string) (support.Delivery, error) {
	var d support.Delivery
	err := in.st.Write(func(tx *store.Tx) error {
		if m == nil {
			m = &support.Message{}
		}
		m.Envelope, m.BodyHash = env, bodyHash
		return in.quarantineTx(tx, m, raw, reason, &d)
	})
	if err != nil {
		return support.Delivery{}, fmt.Errorf("quarantine message: %w", err)
	}
	return d, nil
}

// quarantineTx keeps raw with the reason it is not a case's message.
func (in *Ingester) quarantineTx(tx *store.Tx, m *support.Message, raw []byte, reason string, d *support.Delivery) error {
	q := &store.Quarantined{Reason: reason, Envelope: m.Envelope, ReceivedAt: m.Envelope.ReceivedAt, BodyHash: m.BodyHash,
		MessageID: m.MessageID, Subject: m.Subject, From: m.From.Address}
	if q.MessageID == "" {
		q.MessageID = in.syntheticID(raw)
	}
	*d = support.Delivery{MessageID: q.MessageID, Quarantined: true, Reason: reason}
	if _, ok := tx.HasCopy(q.MessageID, q.BodyHash); ok {
		d.Duplicate = true
		return nil
	}
	if err := tx.Quarantine(q, raw); err != nil {
		return err
	}
	d.Seq = q.Seq
	return nil
}

// syntheticID names a message that came without a Message-ID by its
// content, so the same bytes delivered twice are still stored once.
func (in *Ingester) syntheticID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "nomsgid-" + hex.EncodeToString(sum[:16]) + "@" + in.opt.Hostname
}

func (in *Ingester) log(d support.Delivery, env support.Envelope) {
	l := in.opt.Logger.With("msg_id", d.MessageID, "remote", env.Remote, "from", env.MailFrom, "rcpts", strings.Join(env.Rcpts, ","))
	switch {
	case d.Duplicate:
		l.Info("duplicate message stored once", "case", d.Case)
	case d.Quarantined:
		l.Warn("message quarantined", "seq", d.Seq, "reason", d.Reason)
	default:
		l.Info("message filed", "case", d.Case, "seq", d.Seq, "new_case", d.NewCase, "by", d.Reason)
	}
}

// BodyHash fingerprints the body of a raw message: everything after the
// first empty line, with line endings normalised, so the same message
// relayed with other trace headers or CRLF/LF/CR conversions matches.
func BodyHash(raw []byte) string {
	body := raw
	// The header ends at the first empty line, whatever the line endings.
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\n' && raw[i] != '\r' {
			continue
		}
		j := i + 1
		if raw[i] == '\r' && j < len(raw) && raw[j] == '\n' {
			j++
		}
		if j < len(raw) && (raw[j] == '\n' || raw[j] == '\r') {
			body = raw[j:]
			break
		}
		i = j - 1
	}
	// Hash line by line with "\n" endings, leaving out trailing blank
	// space, without copying the body.
	h := sha256.New()
	pending := 0 // blank line endings not yet known to be followed by text
	start := 0
	for i := 0; i <= len(body); i++ {
		if i < len(body) && body[i] != '\n' && body[i] != '\r' {
			continue
		}
		line := bytes.TrimRight(body[start:i], " \t")
		if len(line) > 0 {
			for ; pending > 0; pending-- {
				h.Write([]byte{'\n'})
			}
			h.Write(body[start:i])
		}
		if i < len(body) {
			pending++
			if body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n' {
				i++
			}
		}
		start = i + 1
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:12])
}
