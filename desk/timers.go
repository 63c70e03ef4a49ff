package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/sla"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// Kick wakes the timer loop: a case was scheduled.
func (d *Desk) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run is the timer loop: it sleeps until the earliest case check (or a
// kick), then looks at every case due. st is the store the cases live in.
func (d *Desk) Run(ctx context.Context, st *store.Store) error {
	for {
		if d.recheck.Swap(false) {
			d.recheckAll(ctx, st)
		}
		due, err := st.DueCases(d.now(), 64)
		if err != nil {
			d.log.Error("due cases", "err", err)
		}
		for _, n := range due {
			err := st.Write(func(tx *store.Tx) error {
				c, err := tx.Case(n)
				if err != nil {
					return err
				}
				return d.check(tx, c)
			})
			if err != nil {
				d.log.Error("case clocks", "case", n, "err", err)
				d.retryLater(st, n)
			}
		}
		if len(due) > 0 {
			d.opt.Outbox.Kick() // reminders and notices queued above
		}
		if len(due) == 64 {
			continue
		}
		var wake <-chan time.Time
		stop := func() {}
		if at, ok, err := st.NextCaseCheck(); err == nil && ok {
			wake, stop = d.opt.Clock.After(at.Sub(d.now()))
		}
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-d.kick:
		case <-wake:
		}
		stop()
	}
}

// checkRetry is how long a case whose check failed waits for the next try.
const checkRetry = time.Hour

// retryLater moves the next check of case n, whose check failed, an hour
// on: one case that cannot be checked must not keep the loop spinning.
func (d *Desk) retryLater(st *store.Store, n uint64) {
	err := st.Write(func(tx *store.Tx) error {
		c, err := tx.Case(n)
		if err != nil {
			return err
		}
		return tx.ScheduleCase(c, d.now().Add(checkRetry))
	})
	if err != nil {
		d.log.Error("reschedule a case whose check failed", "case", n, "err", err)
	}
}

// recheckAll looks at the clocks of every open case, in writes of 64:
// a changed SLA or resolution timer moves their next check, earlier as
// well as later (at start too: the configuration may have changed while
// the daemon was stopped).
func (d *Desk) recheckAll(ctx context.Context, st *store.Store) {
	open, err := st.OpenCases()
	if err != nil {
		d.log.Error("open cases", "err", err)
		return
	}
	if len(open) == 0 {
		return
	}
	d.log.Info("looking at the clocks of every open case (start or policy change)", "cases", len(open))
	for len(open) > 0 && ctx.Err() == nil {
		chunk := open[:min(64, len(open))]
		open = open[len(chunk):]
		err := st.Write(func(tx *store.Tx) error {
			for _, n := range chunk {
				c, err := tx.Case(n)
				if err != nil {
					return err
				}
				if err := d.check(tx, c); err != nil {
					return fmt.Errorf("case %d: %w", n, err)
				}
			}
			return nil
		})
		if err != nil {
			d.log.Error("case clocks after a policy change", "err", err)
		}
	}
	d.opt.Outbox.Kick()
}

// check acts on c's clocks at now: SLA reminders and escalations, and the
// reminder and closing of an unanswered resolution; then schedules the
// next look.
func (d *Desk) check(tx *store.Tx, c *support.Case) error {
	now := d.now()
	s := d.opt.Schedule()
	var wake time.Time
	if s != nil && c.Status != support.StatusResolved {
		events, next := sla.Next(d.policy(c), s, timeline(c), c.CheckedAt, now)
		for _, ev := range events {
			key := fmt.Sprintf("%s:%s:%d", ev.Kind, ev.Clock, ev.Due.Unix())
			if c.HasFired(key) {
				continue
			}
			if err := d.slaEvent(tx, c, ev, s); err != nil {
				return err
			}
			c.Fired = append(c.Fired, key)
		}
		wake = next
	}
	if s != nil && c.Status == support.StatusResolutionProposed {
		next, err := d.resolutionClock(tx, c, s, now)
		if err != nil {
			return err
		}
		if !next.IsZero() && (wake.IsZero() || next.Before(wake)) {
			wake = next
		}
	}
	c.CheckedAt = now
	return tx.ScheduleCase(c, wake)
}

// slaEvent reminds the assignee before a due time, or escalates a breach:
// to the premium account's TAM (with the assignee told), else to the
// escalation address.
func (d *Desk) slaEvent(tx *store.Tx, c *support.Case, ev sla.Event, s *bizhours.Schedule) error {
	due, clockName := d.when(ev.Due, s.Location()), d.clockName(ev.Clock)
	if ev.Kind == sla.Remind {
		d.log.Info("SLA reminder", "case", c.Number, "clock", ev.Clock, "due", ev.Due)
		return d.tell(tx, c, d.assigneeOrTeam(c), d.say(atReminder, clockName, c.Number, due)+"\n\n"+d.summary(c)+d.help())
	}
	d.log.Warn("SLA breached: escalating", "case", c.Number, "clock", ev.Clock, "due", ev.Due)
	text := d.say(atEscalation, clockName, c.Number, due) + "\n\n" + d.summary(c) + d.help()
	to := d.escalationTargets(c)
	if c.Assignee != "" {
		to = append(to, d.assigneeOrTeam(c)...)
	}
	return d.tell(tx, c, dedupe(to), text)
}

func (d *Desk) escalationTargets(c *support.Case) []support.Address {
	escalation := d.tm().EscalationAddress
	switch {
	case c.Tier == support.TierPremium && c.TAM != "" && d.agent(c, c.TAM) != nil:
		return []support.Address{*d.agent(c, c.TAM)}
	case escalation != "":
		return []support.Address{{Address: escalation}}
	}
	return d.assigneeOrTeam(&support.Case{})
}

func dedupe(as []support.Address) []support.Address {
	seen := map[string]bool{}
	var out []support.Address
	for _, a := range as {
		if !seen[a.Address] {
			seen[a.Address] = true
			out = append(out, a)
		}
	}
	return out
}

// resolutionClock reminds the customer once and closes the case when a
// proposed resolution stays unanswered, counting business days. It returns
// the next moment it must look again.
func (d *Desk) resolutionClock(tx *store.Tx, c *support.Case, s *bizhours.Schedule, now time.Time) (time.Time, error) {
	t := d.tm()
	closeAt := addBusinessDays(s, c.ProposedAt, t.CloseAfterDays)
	var remindAt time.Time
	if t.RemindAfterDays > 0 {
		remindAt = addBusinessDays(s, c.ProposedAt, t.RemindAfterDays)
	}
	stamp := fmt.Sprint(c.ProposedAt.Unix())
	if !remindAt.IsZero() && !now.Before(remindAt) && now.Before(closeAt) && !c.HasFired("confirm-reminder:"+stamp) {
		if _, err := d.opt.Outbox.NoticeTx(tx, c, c.Customer, phrase(c.Language, remindText), true); err != nil {
			return time.Time{}, err
		}
		c.Fired = append(c.Fired, "confirm-reminder:"+stamp)
	}
	if !closeAt.IsZero() && !now.Before(closeAt) {
		c.SetStatus(support.StatusResolved, now)
		if _, err := d.opt.Outbox.NoticeTx(tx, c, c.Customer, phrase(c.Language, closedText), true); err != nil {
			return time.Time{}, err
		}
		return time.Time{}, d.tell(tx, c, d.assigneeOrTeam(c), d.summary(c)+"\n\n"+d.say(atClosed, t.CloseAfterDays))
	}
	if !remindAt.IsZero() && now.Before(remindAt) {
		return remindAt, nil
	}
	return closeAt, nil
}

// addBusinessDays returns the opening of the n-th business day after t's
// day: a resolution proposed on Monday with n = 5 closes when the desk
// opens the next Monday.
func addBusinessDays(s *bizhours.Schedule, t time.Time, n int) time.Time {
	if n <= 0 || t.IsZero() {
		return time.Time{}
	}
	loc := s.Location()
	cur := t.In(loc)
	for i := 0; i < n; i++ {
		y, m, dd := cur.Date()
		next := s.NextOpen(time.Date(y, m, dd+1, 0, 0, 0, 0, loc))
		if next.IsZero() {
			return time.Time{}
		}
		cur = next.In(loc)
	}
	return cur
}
