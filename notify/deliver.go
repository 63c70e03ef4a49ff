package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// deliver composes and sends one claimed row and records the outcome.
func (o *Outbox) deliver(row *support.Outbound) {
	l := o.log.With("id", row.ID, "case", row.Case, "kind", row.Kind, "rcpt", row.To.Address, "attempt", row.Attempts)
	raw, err := o.compose(row)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		err = o.opt.Sender.Send(ctx, o.returnPath(row.ID), row.To.Address, raw)
		cancel()
	}
	var se *SendError
	if errors.As(err, &se) && se.Connect {
		o.suspended.Store(o.opt.Clock.Now().Add(o.suspendInterval()).UnixNano())
	}
	if err := o.finish(row.ID, raw, err); err != nil {
		l.Error("record delivery result", "err", err)
		return
	}
	if err != nil {
		l.Warn("delivery attempt failed", "err", err)
	} else {
		l.Info("delivered")
	}
}

// compose builds the message as it leaves now.
func (o *Outbox) compose(row *support.Outbound) ([]byte, error) {
	c, err := o.opt.Store.CaseInfo(row.Case)
	if err != nil {
		return nil, err
	}
	now := o.opt.Clock.Now()
	l := &Letter{
		Kind: LetterKind(row.Kind), CaseNumber: c.Number, CaseSubject: c.Subject, To: row.To,
		Language: row.Language, MessageID: row.MessageID, InReplyTo: row.InReplyTo, References: row.References,
		ThreadIndex: row.ThreadIndex, ReplyTo: o.replyAddress(c.Number, row.To.Address), Agent: row.Agent,
		Text: row.Text, Auto: row.Kind == support.OutAck || row.Kind == support.OutNotice,
	}
	if row.Kind == support.OutAck {
		if sched := o.opt.Schedule(); sched != nil {
			l.Hours = sched.Describe(o.language(row.Language))
			if !sched.IsOpen(now) {
				l.NextOpen = sched.NextOpen(now)
			}
		}
	}
	return o.opt.Composer.Compose(l, now)
}

// finish records the result of an attempt: sent, deferred to the retry
// time committed when it was claimed, or failed — told on the case and to
// the team.
func (o *Outbox) finish(id uint64, raw []byte, sendErr error) error {
	now := o.opt.Clock.Now()
	var se *SendError
	permanent := sendErr != nil && errors.As(sendErr, &se) && !se.Temporary
	return o.opt.Store.Write(func(tx *store.Tx) error {
		row, err := tx.UpdateOutbound(id, func(r *support.Outbound) error {
			a := support.Attempt{At: now}
			if se != nil {
				a.Code, a.Text = se.Code, se.Text
			}
			r.Interrupted = 0
			switch {
			case r.State != support.OutSending:
				return nil // canceled or handled while we were sending
			case sendErr == nil:
				r.State, r.Done, r.LastError, a.Result = support.OutSent, now, "", "sent"
			case permanent || now.Sub(r.Created) >= o.opt.MaxAge:
				r.State, r.Done, r.LastError, a.Result = support.OutFailed, now, errText(sendErr), "failed"
				if !permanent {
					r.LastError = "gave up after " + o.opt.MaxAge.String() + ": " + r.LastError
				}
			default:
				r.State, r.LastError, a.Result = support.OutDeferred, errText(sendErr), "deferred"
			}
			r.History = append(r.History, a)
			return nil
		})
		if err != nil {
			return err
		}
		switch row.State {
		case support.OutSent:
			if row.MessageSeq != 0 && raw != nil {
				return tx.PutRaw(row.MessageSeq, raw)
			}
		case support.OutFailed:
			return o.recordFailure(tx, row)
		}
		return nil
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "?")
}

// recordFailure notes a failed delivery on its case and tells the case's
// assignee (else the team address), unless what failed was itself a
// notice to the team (no loops).
func (o *Outbox) recordFailure(tx *store.Tx, row *support.Outbound) error {
	c, err := tx.Case(row.Case)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("Delivery of our %s to %s failed: %s", row.Kind, row.To.Address, row.LastError)
	tell := c.Assignee
	if isAgent := o.isAgent.Load(); tell != "" && isAgent != nil && !(*isAgent)(tell) {
		tell = "" // no longer an agent (removed on a reload)
	}
	if tell == "" {
		tell = *o.team.Load()
	}
	if row.Kind == support.OutNotice || tell == "" {
		note := &support.Message{Direction: support.Internal, Visibility: support.VisInternal, Author: "system", MessageID: o.newMessageID(c.Number),
			From: support.Address{Address: o.opt.SupportAddress}, Subject: SubjectFor(c.Number, c.Subject),
			Date: o.opt.Clock.Now(), NewText: text}
		return tx.AddMessage(c, note, nil, o.opt.Clock.Now())
	}
	_, err = o.enqueue(tx, c, draft{kind: support.OutNotice, to: support.Address{Address: tell},
		text: text, now: true, internal: true})
	return err
}

// language is lang when we have templates for it, else the default.
func (o *Outbox) language(lang string) string {
	if lang == "en" || lang == "es" {
		return lang
	}
	if o.opt.DefaultLanguage != "" {
		return o.opt.DefaultLanguage
	}
	return "en"
}
