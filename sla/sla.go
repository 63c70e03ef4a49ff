// Package sla owns the service-level clocks the support contract promises
// per account tier: when the first response, the next progress update and
// the resolution of a case are due, when the assignee is reminded, and when
// a breach escalates. Clocks count business time only, from a
// bizhours.Schedule, and stand still while the case waits on the customer.
//
// The package is pure: it never reads the clock or the store. The caller
// keeps a case's Timeline from its history and passes the instant; Dues
// answers "what is due", Next "what should happen now, and when to ask
// again", which is all a scheduler goroutine needs to set its timer.
//
// Both read the Timeline as it stood at the instant they are given: facts
// dated later are ignored. That makes Next(since, now) exact even when the
// case changed in between (a first response at 12:30 does not hide the
// breach at 12:00), so the caller may pass the current Timeline and the
// instant of its previous call, whatever happened since.
package sla

import (
	"time"

	"github.com/casemail/casemail/bizhours"
)

// Policy is the promise made to one account tier, read from config. Every
// duration is business time; zero (or negative) means no promise.
type Policy struct {
	// FirstResponse runs from creation to the first agent response.
	FirstResponse time.Duration
	// UpdateEvery runs from the last agent response or progress update
	// while the case is new or open.
	UpdateEvery time.Duration
	// Resolution runs from creation to resolution, excluding time spent
	// waiting on the customer.
	Resolution time.Duration
	// RemindBefore is how much business time before a due time the
	// assignee is reminded. A clock shorter than this gets no reminder:
	// it would fire the moment the clock starts.
	RemindBefore time.Duration
}

// Clock names one of the promises of a Policy.
type Clock string

const (
	ClockFirstResponse Clock = "first_response"
	ClockUpdate        Clock = "update"
	ClockResolution    Clock = "resolution"
)

// Timeline is what the case's history says, kept by the caller.
type Timeline struct {
	Created time.Time
	// FirstResponse is zero until an agent's first public reply.
	FirstResponse time.Time
	// LastAgentUpdate is the last agent response or progress update, zero
	// if none. Only the last one is kept, so before it the update clock
	// cannot be reconstructed; see Next.
	LastAgentUpdate time.Time
	// Waiting lists the intervals spent waiting on the customer (status
	// waiting or resolution proposed), with an open one (End zero) if the
	// case is waiting now. Order and overlaps do not matter.
	Waiting []Interval
	// Resolved is zero unless the case is resolved.
	Resolved time.Time
}

// Interval is [Start, End); End is zero while it is still running.
type Interval struct{ Start, End time.Time }

// Due is when a clock runs out.
type Due struct {
	Clock Clock
	// At is the instant the business time runs out. Since business time
	// can run out exactly at closing, At may fall outside business hours;
	// the breach then escalates at the next opening (see Next).
	At time.Time
	// RemindAt is the latest instant with exactly RemindBefore of the
	// clock's business time left: always inside business hours and never
	// while waiting on the customer. Zero when there is no reminder.
	RemindAt time.Time
}

// Dues returns the pending due times of the case's clocks at now, in the
// order first response, update, resolution. A due time that has passed
// stays until its clock stops: an unanswered case keeps its breached first
// response. A clock with a zero policy duration is absent, and so is every
// clock once the case is resolved.
//
//   - The first response is due FirstResponse after creation until it is
//     answered. Waiting does not stop it: a case waits on the customer only
//     after an agent wrote to them, so an unanswered case that is "waiting"
//     still owes the customer an answer.
//   - The next update is due UpdateEvery after the last agent update (or
//     the first response). It is absent before any response and while the
//     case is waiting; waiting after the last update pushes it later.
//   - The resolution is due Resolution after creation, pushed later by the
//     business time spent waiting before it ran out. It is paused, and so
//     absent, while the case is waiting.
//
// Waiting that starts after a clock has run out does not push it: the
// breach has happened, and pausing must not turn it into a second one.
// A due time is absent, too, when the schedule stops opening before it.
func Dues(p Policy, s *bizhours.Schedule, tl Timeline, now time.Time) []Due {
	var out []Due
	for _, c := range clocks(p, s, viewAt(tl, now)) {
		out = append(out, c.Due)
	}
	return out
}

// clockDue is a Due with the moment its breach escalates.
type clockDue struct {
	Due
	breachAt time.Time
}

func clocks(p Policy, s *bizhours.Schedule, v view) []clockDue {
	if v.created.IsZero() || !v.resolved.IsZero() {
		return nil
	}
	var out []clockDue
	if p.FirstResponse > 0 && v.firstResponse.IsZero() {
		out = appendDue(out, s, ClockFirstResponse, v.created, p.FirstResponse, p.RemindBefore, nil)
	}
	if base := v.updateBase(); p.UpdateEvery > 0 && !base.IsZero() && !v.waitingNow {
		out = appendDue(out, s, ClockUpdate, base, p.UpdateEvery, p.RemindBefore, v.waiting)
	}
	if p.Resolution > 0 && !v.waitingNow {
		out = appendDue(out, s, ClockResolution, v.created, p.Resolution, p.RemindBefore, v.waiting)
	}
	return out
}

// appendDue appends the due time of a clock of d started at start, which
// stands still during waiting, its reminder and its escalation.
//
// The reminder is found forward, as the instant the clock has used d-remind,
// rather than by walking back remind from the due time: the two agree when
// no waiting lies between them, and when some does, only the forward walk
// knows the clock stood still there. Walking back would put a reminder that
// already fired before the customer was asked into the waiting time, and
// fire it again when they answer.
//
// The escalation steps over waiting too: a clock that ran out at closing
// and was then put to waiting over the weekend escalates when the case
// resumes, not on Monday at 09:00 while it is still waiting, when no clock
// is running and the breach would go unseen.
func appendDue(out []clockDue, s *bizhours.Schedule, c Clock, start time.Time, d, remind time.Duration, waiting []Interval) []clockDue {
	at, ok := run(s, start, d, waiting)
	if !ok {
		return out
	}
	due := clockDue{Due: Due{Clock: c, At: at}, breachAt: moment(s, at, waiting)}
	if remind > 0 && remind < d {
		if r, ok := run(s, start, d-remind, waiting); ok {
			due.RemindAt = moment(s, r, waiting)
		}
	}
	return append(out, due)
}
