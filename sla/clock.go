package sla

import (
	"slices"
	"time"

	"github.com/casemail/casemail/bizhours"
)

// run returns the instant a clock started at start uses up d of business
// time, standing still over each waiting interval that begins before then.
// ok is false while it stands still now (an open interval began before it
// ran out) or when the schedule stops opening first. waiting must be sorted
// and disjoint, as viewAt leaves it.
//
// Each interval costs one Between and one Add, which walk the schedule
// window by window; so the cost is about one step per calendar day the
// clock spans, plus one per interval, and DST is bizhours' business.
func run(s *bizhours.Schedule, start time.Time, d time.Duration, waiting []Interval) (time.Time, bool) {
	end := s.Add(start, d)
	for _, w := range waiting {
		if end.IsZero() {
			return time.Time{}, false
		}
		if !w.End.IsZero() && !w.End.After(start) {
			continue
		}
		from := later(w.Start, start)
		if !from.Before(end) {
			break // ran out before this wait began, and before every later one
		}
		if w.End.IsZero() {
			return time.Time{}, false
		}
		// What was left when the wait began is used up after it ends. It is
		// never zero: Add ends inside open time, so [from, end) holds some.
		if left := s.Between(from, end); left > 0 {
			end = s.Add(w.End, left)
		}
	}
	return end, !end.IsZero()
}

// moment returns the first instant at or after t at which something may be
// done about a clock: inside business hours, because reminders and
// escalations go to people at work, and not while waiting on the customer,
// because the clock stands still then. It is zero when there is no such
// instant: the case is waiting now, or the schedule stops opening.
func moment(s *bizhours.Schedule, t time.Time, waiting []Interval) time.Time {
	t = s.NextOpen(t)
	for _, w := range waiting {
		switch {
		case t.IsZero():
			return t
		case w.Start.After(t):
			return t // sorted: no later wait holds t either
		case w.End.IsZero():
			return time.Time{}
		case w.End.After(t):
			t = s.NextOpen(w.End)
		}
	}
	return t
}

// view is a Timeline as it stood at one instant: facts dated later are
// dropped, a wait running then is open, and waits are sorted and merged.
type view struct {
	created, firstResponse, resolved time.Time
	// lastUpdate is the last agent update at the instant; updateUnknown is
	// set when the Timeline's is later, because the one before it is lost.
	lastUpdate    time.Time
	updateUnknown bool
	waiting       []Interval
	waitingNow    bool
}

func viewAt(tl Timeline, t time.Time) view {
	v := view{
		created:       known(tl.Created, t),
		firstResponse: known(tl.FirstResponse, t),
		lastUpdate:    known(tl.LastAgentUpdate, t),
		resolved:      known(tl.Resolved, t),
		updateUnknown: tl.LastAgentUpdate.After(t),
	}
	v.waiting, v.waitingNow = waitsAt(tl.Waiting, t)
	return v
}

// known returns f if it had happened by t.
func known(f, t time.Time) time.Time {
	if f.After(t) {
		return time.Time{}
	}
	return f
}

// updateBase is where the update clock starts: the last agent update, or
// the first response when there was none. It is zero before any response,
// and when the true last update at the instant is lost.
func (v view) updateBase() time.Time {
	if v.updateUnknown {
		return time.Time{}
	}
	return later(v.lastUpdate, v.firstResponse)
}

// waitsAt returns the waits begun by t, sorted and merged, with the one
// running at t open, and whether one is. Callers keep history by hand, so
// overlaps and disorder are forgiven rather than counted twice; an interval
// that ends before it starts is dropped.
func waitsAt(in []Interval, t time.Time) ([]Interval, bool) {
	var ws []Interval
	for _, w := range in {
		if w.Start.IsZero() || w.Start.After(t) {
			continue
		}
		if w.End.After(t) {
			w.End = time.Time{}
		} else if !w.End.IsZero() && !w.End.After(w.Start) {
			continue
		}
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	var out []Interval
	for _, w := range ws {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.End.IsZero() {
				continue // open to the end already
			}
			if !last.End.Before(w.Start) { // touches or overlaps
				if w.End.IsZero() || w.End.After(last.End) {
					last.End = w.End
				}
				continue
			}
		}
		out = append(out, w)
	}
	return out, len(out) > 0 && out[len(out)-1].End.IsZero()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
