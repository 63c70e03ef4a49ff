package notify

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casemail/casemail/bounce"
	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// Acknowledge queues the acknowledgement of a new case, inside the
// transaction that files its first message: the ack can then be neither
// lost (the message is stored, the ack is not) nor sent for a message we do
// not have. It queues nothing for mail that RFC 3834 says must not be
// answered automatically.
func (o *Outbox) Acknowledge(tx *store.Tx, c *support.Case, m *support.Message) error {
	// To the From address, the one the sender check vouches for: never to
	// a Reply-To, which anyone can set to a third party's address to have
	// us mail them a subject of their choosing.
	to := m.From
	why, err := o.govern(tx, c, to.Address, m)
	if err != nil || why != "" {
		if why != "" {
			o.log.Info("no acknowledgement", "case", c.Number, "msg_id", m.MessageID, "reason", why)
		}
		return err
	}
	d := draft{kind: support.OutAck, to: to, answering: m}
	if m.AuthPending {
		// Wait for the sender check (it follows the commit, in moments):
		// an acknowledgement to a forged From is backscatter, and its
		// subject, chosen by the forger, would reach the victim.
		d.holdUntil, d.awaitsCheck = o.opt.Clock.Now().Add(SenderCheckWait), m.Seq
	}
	row, err := o.enqueue(tx, c, d)
	if err == nil && m.AuthPending {
		m.HeldAck = row.ID
	}
	return err
}

// SenderCheckWait is how often an acknowledgement held for its sender
// check is looked at again in case nothing released it. While the check is
// pending (slow DNS, a restart) the acknowledgement stays held; a check
// always ends, a lookup that never answers as a temporary error.
const SenderCheckWait = 10 * time.Minute

// ReleaseAck ends the wait of the acknowledgement held for m's sender
// check (see Acknowledge): it leaves at once, or, when why is not empty,
// never, with why recorded on the row and on the case's copy of it.
func (o *Outbox) ReleaseAck(tx *store.Tx, m *support.Message, why string) error {
	id := m.HeldAck
	if id == 0 {
		return nil
	}
	m.HeldAck = 0
	now := o.opt.Clock.Now()
	var was support.OutState
	row, err := tx.UpdateOutbound(id, func(r *support.Outbound) error {
		was, r.AwaitsCheck = r.State, 0
		switch {
		case r.State == support.OutSending || !r.State.Pending() && r.State != support.OutFailed:
			return nil // sent or being sent (nothing held it), or canceled
		case why != "":
			// A failed row too (a suppressed address): canceled, it can
			// never be retried to the forged address.
			r.State, r.Done, r.LastError = support.OutCanceled, now, why
		case r.State == support.OutHeld:
			r.Due = now
			if !r.BusinessHours {
				r.State = support.OutQueued
			}
		}
		return nil
	})
	if err != nil {
		// One unreadable row must not stall every later check.
		o.log.Error("release the acknowledgement held for a sender check", "outbox", id, "err", err)
		return nil
	}
	switch {
	case why == "":
		return nil
	case was == support.OutSending || was == support.OutSent:
		o.log.Warn("a sender that failed its check was acknowledged before the check ended", "case", row.Case, "outbox", id, "why", why)
		return nil
	case was == support.OutCanceled || row.MessageSeq == 0:
		return nil // canceled by an operator already, or no copy to note it on
	}
	copyOf, err := tx.Message(row.MessageSeq)
	if err != nil {
		o.log.Error("note on the canceled acknowledgement", "outbox", id, "err", err)
		return nil
	}
	copyOf.Notes = append(copyOf.Notes, "not sent: "+why)
	return tx.PutMessage(copyOf)
}

// Relay queues an agent's response or progress update to the customer of
// case n, threaded under the customer's latest message. now sends it at
// once even outside business hours.
func (o *Outbox) Relay(n uint64, agent support.Address, text string, kind support.OutKind, now bool) (*support.Outbound, error) {
	var row *support.Outbound
	err := o.opt.Store.Write(func(tx *store.Tx) error {
		c, err := tx.Case(n)
		if err != nil {
			return err
		}
		if row, err = o.RelayTx(tx, c, agent, text, kind, now); err != nil {
			return err
		}
		return tx.PutCase(c)
	})
	if err != nil {
		return nil, err
	}
	o.Kick()
	return row, nil
}

// RelayTx is Relay inside the caller's transaction; the caller saves c.
// The first public answer starts work on the case: a new case becomes
// open, and the SLA timeline records the response.
func (o *Outbox) RelayTx(tx *store.Tx, c *support.Case, agent support.Address, text string, kind support.OutKind, now bool) (*support.Outbound, error) {
	if kind != support.OutResponse && kind != support.OutUpdate {
		return nil, fmt.Errorf("relay kind %q: want response or update", kind)
	}
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("relay to case %d: empty text", c.Number)
	}
	last, err := tx.LastIncoming(c.Number)
	if err != nil {
		return nil, err
	}
	row, err := o.enqueue(tx, c, draft{kind: kind, to: c.Customer, agent: &agent, text: text, answering: last, now: now})
	if err != nil {
		return nil, err
	}
	at := o.opt.Clock.Now()
	if c.Status == support.StatusNew {
		c.SetStatus(support.StatusOpen, at) // an agent answered: work has started
	}
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = at
	}
	c.LastAgentUpdate = at
	return row, nil
}

// NoticeTx queues an automatic notice about case c to one person, at once:
// a notification to an agent, an escalation, or a message to the customer
// that no agent wrote (a reminder, the closing of the case). record keeps
// it in the case's messages; notices to agents are not recorded, but their
// Message-ID is, so an agent's reply to one threads into the case.
func (o *Outbox) NoticeTx(tx *store.Tx, c *support.Case, to support.Address, text string, record bool) (*support.Outbound, error) {
	last, err := tx.LastIncoming(c.Number)
	if err != nil {
		return nil, err
	}
	d := draft{kind: support.OutNotice, to: to, text: text, answering: last, now: true, noRecord: !record}
	if to.Address != c.Customer.Address {
		d.lang = o.language("") // agents get the default language
	} else {
		// Automatic mail to the customer passes the loop governor.
		why, err := o.govern(tx, c, to.Address, nil)
		if err != nil || why != "" {
			if why != "" {
				o.log.Info("automatic notice not sent", "case", c.Number, "to", to.Address, "reason", why)
			}
			return nil, err
		}
	}
	return o.enqueue(tx, c, d)
}

type draft struct {
	kind        support.OutKind
	to          support.Address
	agent       *support.Address
	text        string
	answering   *support.Message // the message this one replies to, if any
	holdUntil   time.Time        // held until then unless released sooner (ReleaseAck)
	awaitsCheck uint64           // the message whose sender check holds it
	now         bool             // ignore business hours
	internal    bool             // a team notice, recorded as an internal note
	noRecord    bool             // index the Message-ID only; not a message of the case
	lang        string           // overrides the case's language
}

// enqueue records the outgoing message on the case (with a Message-ID of
// ours, indexed at once so a reply threads even before we send) and adds
// its outbox row.
func (o *Outbox) enqueue(tx *store.Tx, c *support.Case, d draft) (*support.Outbound, error) {
	now := o.opt.Clock.Now()
	row := &support.Outbound{
		Case: c.Number, Kind: d.kind, State: support.OutQueued, To: d.to, Agent: d.agent, Text: d.text,
		Language: c.Language, MessageID: o.newMessageID(c.Number), Created: now, Due: now,
		BusinessHours: !d.now && o.policy.Load().Holds(d.kind),
	}
	if row.BusinessHours {
		row.State = support.OutHeld // decide() releases it in a window
	}
	if !d.holdUntil.IsZero() {
		row.State, row.Due, row.AwaitsCheck = support.OutHeld, d.holdUntil, d.awaitsCheck
	}
	if d.lang != "" {
		row.Language = d.lang
	}
	if m := d.answering; m != nil {
		row.InReplyTo = m.MessageID
		row.References = append(append([]string(nil), m.References...), m.MessageID)
		row.ThreadIndex = m.ThreadIndex
	}
	msg := &support.Message{
		Direction: support.Outgoing, MessageID: row.MessageID, From: support.Address{Address: o.opt.SupportAddress},
		To: []support.Address{d.to}, Subject: SubjectFor(c.Number, c.Subject), Date: now,
		NewText: d.text, InReplyTo: nonEmpty(row.InReplyTo), References: row.References,
	}
	if d.agent != nil {
		msg.From = *d.agent
	}
	if d.kind == support.OutAck {
		msg.NewText = "(automatic acknowledgement of case " + c.Tag() + ")"
	}
	msg.Author = "agent"
	if d.agent == nil {
		msg.Author = "system"
	}
	if d.internal {
		msg.Direction, msg.Visibility = support.Internal, support.VisInternal
	}
	if d.noRecord {
		if err := tx.IndexMessageID(row.MessageID, c.Number, true); err != nil {
			return nil, err
		}
	} else {
		if err := tx.AddMessage(c, msg, nil, now); err != nil {
			return nil, err
		}
		row.MessageSeq = msg.Seq
	}
	if _, err := o.suppressed(tx, row); err != nil {
		return nil, err
	}
	if err := tx.Enqueue(row); err != nil {
		return nil, err
	}
	return row, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// newMessageID makes a Message-ID under our host name that names the case
// (for people reading headers) and is unique by its random part.
func (o *Outbox) newMessageID(n uint64) string {
	var b [10]byte
	rand.Read(b[:])
	return fmt.Sprintf("case%d.%s@%s", n, hex.EncodeToString(b[:]), o.opt.Hostname)
}

// replyAddress is the support address with the case's signed reply token
// for the participant the mail goes to.
func (o *Outbox) replyAddress(n uint64, participant string) string {
	return plus(o.opt.SupportAddress, replytoken.Mint(o.opt.TokenKey, n, participant))
}

// returnPath is the VERP envelope sender naming outbox row id, so a bounce
// finds its message.
func (o *Outbox) returnPath(id uint64) string {
	return plus(o.opt.SupportAddress, replytoken.BouncePrefix+replytoken.MintBounce(o.opt.TokenKey, id))
}

func plus(addr, detail string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	return addr[:at] + "+" + detail + addr[at:]
}

// SubjectFor is the subject of our mail about case n: the case tag, then
// the case's subject without reply prefixes or an older tag.
func SubjectFor(n uint64, subject string) string {
	return fmt.Sprintf("[Case #%d] %s", n, subjectTopic(subject))
}

// Bounced handles a report about outbox row id (named by our VERP return
// path, verp, or by the returned Message-ID), inside the ingest
// transaction, and returns the row's case so ingest files the report there
// (0 for a row we do not know). Only a bounce about the row's own
// recipient changes anything: the delivery is marked failed and the
// failure told; and, when the row was named by the signed VERP path, a
// hard bounce suppresses the address until an agent clears it. Anyone who
// saw one of our messages knows its Message-ID, and a report can name any
// recipient: neither may silence an address. A delay notice, an
// out-of-office reply or a feedback report is filed and changes nothing.
func (o *Outbox) Bounced(tx *store.Tx, id uint64, verp bool, m *support.Message, rep bounce.Report) (uint64, error) {
	row, err := tx.Outbound(id)
	if errors.Is(err, support.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if rep.Kind != bounce.Bounce {
		return row.Case, nil
	}
	var about []bounce.Failure // the failures of the recipient we sent to
	for _, f := range rep.Recipients {
		if support.NormalizeAddress(f.Recipient) == support.NormalizeAddress(row.To.Address) {
			about = append(about, f)
		}
	}
	if len(rep.Recipients) > 0 && len(about) == 0 {
		o.log.Warn("a bounce names only recipients we did not send to; filed, nothing changed", "case", row.Case, "outbox", id)
		return row.Case, nil
	}
	rep.Recipients = about
	now := o.opt.Clock.Now()
	diag := firstLine(m.Subject)
	hard := false
	for _, f := range rep.Recipients {
		if f.Diagnostic != "" {
			diag = f.Diagnostic
		}
		if f.Hard {
			hard = true
			if !verp {
				continue
			}
			err := tx.Suppress(store.Suppression{Address: row.To.Address, Since: now, Case: row.Case,
				Reason: strings.TrimSpace(f.Status + " " + f.Diagnostic)})
			if err != nil {
				return 0, err
			}
		}
	}
	if len(rep.Recipients) > 0 && !hard && !anyPermanent(rep) {
		return row.Case, nil // a delay notice: the delivery may still succeed
	}
	if row.State == support.OutFailed || row.State == support.OutCanceled {
		return row.Case, nil // already told
	}
	row, err = tx.UpdateOutbound(id, func(r *support.Outbound) error {
		r.State, r.Done = support.OutFailed, now
		r.LastError = "bounced: " + diag
		r.History = append(r.History, support.Attempt{At: now, Result: "bounced", Text: diag})
		return nil
	})
	if err != nil {
		return 0, err
	}
	return row.Case, o.recordFailure(tx, row)
}

// anyPermanent reports a 5xx (or 5.x.x) failure in rep.
func anyPermanent(rep bounce.Report) bool {
	for _, f := range rep.Recipients {
		if f.Code >= 500 || strings.HasPrefix(f.Status, "5.") {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
