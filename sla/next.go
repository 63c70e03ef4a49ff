package sla

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/casemail/casemail/bizhours"
)

// EventKind is what to do when a clock nears or passes its due time.
type EventKind string

const (
	// Remind the assignee that a due time is near.
	Remind EventKind = "remind"
	// Breach escalates: to the TAM for premium accounts, otherwise to the
	// escalation address. Who is the caller's decision.
	Breach EventKind = "breach"
)

// Event is something to do at a moment.
type Event struct {
	Kind  EventKind
	Clock Clock
	// Due is the due time the event is about (Due.At).
	Due time.Time
	// At is when to act: inside business hours, never while waiting on
	// the customer.
	At time.Time
}

func (e Event) String() string {
	return fmt.Sprintf("%s %s at %s (due %s)", e.Kind, e.Clock,
		e.At.Format(time.RFC3339), e.Due.Format(time.RFC3339))
}

// Next returns the events whose moment falls in (since, now], ordered by
// moment, and the next moment after now at which Next should be called
// again, zero if none. The caller also calls Next when the case changes,
// since a change moves due times.
//
// Reminders and escalations happen only during business hours. A breach
// at Friday 17:59 escalates then; a clock that runs out at Friday 18:00,
// closing time, escalates on Monday at 09:00, and a reminder whose instant
// falls while the case waits on the customer is given when the case
// resumes (or at the next opening after that).
//
// Each event is judged by the Timeline as it stood at its moment, so a
// single call over a long stretch finds what calls at every wake would
// have found: a first response at 12:30 does not hide the breach at 12:00,
// and a wait that began at 11:00 does hide it. One fact is lost: the
// Timeline keeps only the last agent update, so in the stretch before it
// the update clock is unknown and gives no events. That matters only if
// the caller slept through an update breach, and the update since then
// has answered it.
func Next(p Policy, s *bizhours.Schedule, tl Timeline, since, now time.Time) (events []Event, wake time.Time) {
	if now.After(since) {
		// Dues change only when a fact becomes known, so between two such
		// instants one call to Dues holds, and an event counts only if its
		// moment lies in the stretch of the dues that produced it.
		// The stretches are (since, c1), [c1, c2), ... [cn, now].
		cuts := changes(tl, since, now)
		from := since
		for i := 0; i <= len(cuts); i++ {
			inside := func(t time.Time) bool { return !t.After(now) }
			if i < len(cuts) {
				inside = func(t time.Time) bool { return t.Before(cuts[i]) }
			}
			for _, e := range eventsOf(clocks(p, s, viewAt(tl, from))) {
				if e.At.After(since) && !e.At.Before(from) && inside(e.At) {
					events = append(events, e)
				}
			}
			if i < len(cuts) {
				from = cuts[i]
			}
		}
	}
	for _, e := range eventsOf(clocks(p, s, viewAt(tl, now))) {
		if e.At.After(now) && (wake.IsZero() || e.At.Before(wake)) {
			wake = e.At
		}
	}
	slices.SortFunc(events, func(a, b Event) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(clockRank(a.Clock), clockRank(b.Clock)),
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)))
	})
	return events, wake
}

// eventsOf turns due times into the events they call for.
func eventsOf(dues []clockDue) []Event {
	var out []Event
	for _, d := range dues {
		if !d.RemindAt.IsZero() {
			out = append(out, Event{Kind: Remind, Clock: d.Clock, Due: d.At, At: d.RemindAt})
		}
		if !d.breachAt.IsZero() {
			out = append(out, Event{Kind: Breach, Clock: d.Clock, Due: d.At, At: d.breachAt})
		}
	}
	return out
}

// changes returns the instants in (since, now] at which a fact of tl
// becomes known, sorted and without repeats.
func changes(tl Timeline, since, now time.Time) []time.Time {
	var out []time.Time
	add := func(t time.Time) {
		if t.After(since) && !t.After(now) {
			out = append(out, t)
		}
	}
	add(tl.Created)
	add(tl.FirstResponse)
	add(tl.LastAgentUpdate)
	add(tl.Resolved)
	for _, w := range tl.Waiting {
		add(w.Start)
		add(w.End)
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

func clockRank(c Clock) int {
	return slices.Index([]Clock{ClockFirstResponse, ClockUpdate, ClockResolution}, c)
}

func kindRank(k EventKind) int {
	if k == Remind {
		return 0
	}
	return 1
}
