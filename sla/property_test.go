package sla

import (
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/casemail/casemail/bizhours"
)

// propertySchedules stress what the SLA clocks lean on: lunch breaks,
// holidays and dated exceptions across the spring DST change, night shifts
// that cross midnight and DST in New York, and a desk that never closes.
func propertySchedules(t testing.TB) map[string]*bizhours.Schedule {
	workdays := []string{"mon", "tue", "wed", "thu", "fri"}
	return map[string]*bizhours.Schedule{
		"madrid": madrid(t),
		"madrid lunch and holidays": mustSchedule(t, bizhours.Config{
			Timezone: "Europe/Madrid", Weekly: weekly([]string{"09:00-14:00", "15:00-18:00"}, workdays...),
			HolidayCountry: "ES", Holidays: []string{"2026-03-19"},
			Exceptions: []bizhours.Exception{
				{Date: "2026-03-28", Hours: []string{"10:00-24:00"}},
				{Date: "2026-03-29", Hours: []string{"00:00-04:00"}},
			},
		}),
		"new york nights": mustSchedule(t, bizhours.Config{Timezone: "America/New_York", Weekly: map[string][]string{
			"friday": {"22:00-24:00"}, "saturday": {"00:00-06:00", "22:00-24:00"}, "sunday": {"00:00-06:00"},
			"wednesday": {"01:00-04:00"},
		}}),
		"around the clock": aroundTheClock(t),
	}
}

// randomCase draws a case around a DST change, its history and a policy.
// Many instants are pulled to an opening or closing of s, where a clock
// runs out at closing and a wait begins in the closed time after it.
func randomCase(rng *rand.Rand, s *bizhours.Schedule) (Policy, Timeline) {
	starts := []time.Time{
		time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),   // Madrid and New York spring forward
		time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), // and fall back
	}
	// Odd nanoseconds catch rounding; whole hours make clocks run out at
	// closing and waits begin then, where the edge cases are.
	step := func(max time.Duration) time.Duration {
		switch rng.Intn(4) {
		case 0:
			return time.Duration(rng.Int63n(int64(max)))
		case 1:
			return time.Duration(rng.Int63n(int64(max/time.Hour)+1)) * time.Hour
		}
		return time.Duration(rng.Int63n(int64(max/time.Minute))) * time.Minute
	}
	edge := func(t time.Time) time.Time {
		// Windows rather than NextClose: a desk open around the clock has
		// no close within NextClose's two-year search, and that is slow.
		ws := s.Windows(t, t.AddDate(0, 0, 8))
		switch {
		case len(ws) == 0:
			return t
		case rng.Intn(4) == 0:
			return ws[0].Start
		case rng.Intn(3) == 0:
			return ws[0].End
		}
		return t
	}
	maybe := func(max time.Duration) time.Duration {
		if rng.Intn(4) == 0 {
			return 0
		}
		if d := step(max); d > 0 {
			return d
		}
		return time.Minute
	}
	p := Policy{FirstResponse: maybe(16 * time.Hour), UpdateEvery: maybe(24 * time.Hour),
		Resolution: maybe(80 * time.Hour), RemindBefore: maybe(6 * time.Hour)}

	tl := Timeline{Created: edge(starts[rng.Intn(2)].Add(step(21 * 24 * time.Hour)))}
	t := tl.Created
	if rng.Intn(4) > 0 {
		t = t.Add(step(72 * time.Hour))
		t = edge(t)
		tl.FirstResponse = t
		if rng.Intn(2) == 0 {
			t = t.Add(step(72 * time.Hour))
			tl.LastAgentUpdate = t
		}
	}
	for n := rng.Intn(4); n > 0; n-- {
		w := Interval{Start: edge(tl.Created.Add(step(t.Sub(tl.Created) + 96*time.Hour)))}
		// Or at, or just after, a clock runs out: the breach stands, and
		// escalates once the wait is over.
		if dues := Dues(p, s, tl, tl.Created.AddDate(0, 2, 0)); len(dues) > 0 && rng.Intn(3) == 0 {
			w.Start = dues[rng.Intn(len(dues))].At.Add(step(3 * time.Hour))
		}
		if rng.Intn(4) > 0 {
			w.End = edge(w.Start.Add(step(96*time.Hour) + time.Second))
		}
		tl.Waiting = append(tl.Waiting, w)
	}
	if rng.Intn(5) == 0 {
		tl.Resolved = t.Add(step(200 * time.Hour))
	}
	return p, tl
}

// facts lists the instants at which tl changes, for the wake property.
func facts(tl Timeline) []time.Time {
	return changes(tl, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
}

func TestNextProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(20260329))
	for name, s := range propertySchedules(t) {
		t.Run(name, func(t *testing.T) {
			for range 600 {
				p, tl := randomCase(rng, s)
				span := int64(28 * 24 * time.Hour)
				ts := []time.Time{
					tl.Created.Add(time.Duration(rng.Int63n(span)) - 24*time.Hour),
					tl.Created.Add(time.Duration(rng.Int63n(span)) - 24*time.Hour),
					tl.Created.Add(time.Duration(rng.Int63n(span)) - 24*time.Hour),
				}
				slices.SortFunc(ts, time.Time.Compare)
				since, mid, now := ts[0], ts[1], ts[2]
				checkNext(t, s, p, tl, since, now)
				checkSplit(t, s, p, tl, since, mid, now)
				checkWake(t, s, p, tl, now)
				checkDuesAt(t, s, p, tl, now)
				checkBreachesHeard(t, s, p, tl, now)
			}
		})
	}
}

// Every event acts inside business hours, in (since, now], and wake is
// after now and open.
func checkNext(t *testing.T, s *bizhours.Schedule, p Policy, tl Timeline, since, now time.Time) {
	t.Helper()
	events, wake := Next(p, s, tl, since, now)
	for _, e := range events {
		if !s.IsOpen(e.At) || !e.At.After(since) || e.At.After(now) {
			t.Fatalf("%+v %+v: event %s outside business hours or (%v, %v]", p, tl, e, since, now)
		}
		if e.Kind == Breach && e.At.Before(e.Due) || e.Kind == Remind && !e.At.Before(e.Due) {
			t.Fatalf("%+v %+v: event %s on the wrong side of its due time", p, tl, e)
		}
	}
	if !wake.IsZero() && (!wake.After(now) || !s.IsOpen(wake)) {
		t.Fatalf("%+v %+v: wake %v at now %v", p, tl, wake, now)
	}
}

// A long call finds what two calls covering the same stretch find, so a
// caller may call as rarely or as often as it likes.
func checkSplit(t *testing.T, s *bizhours.Schedule, p Policy, tl Timeline, since, mid, now time.Time) {
	t.Helper()
	whole, _ := Next(p, s, tl, since, now)
	a, _ := Next(p, s, tl, since, mid)
	b, _ := Next(p, s, tl, mid, now)
	if got, want := evs(append(a, b...)), evs(whole); got != want {
		t.Fatalf("%+v %+v: split at %v gives %q, whole (%v, %v] %q", p, tl, mid, got, since, now, want)
	}
}

// Until the case next changes, nothing happens before wake, and something
// happens at it.
func checkWake(t *testing.T, s *bizhours.Schedule, p Policy, tl Timeline, now time.Time) {
	t.Helper()
	_, wake := Next(p, s, tl, now, now)
	limit := now.AddDate(2, 0, 0)
	for _, f := range facts(tl) {
		if f.After(now) {
			limit = f
			break
		}
	}
	if !wake.IsZero() && wake.Before(limit) {
		limit = wake
		events, _ := Next(p, s, tl, now, wake)
		if len(events) == 0 || !events[0].At.Equal(wake) {
			t.Fatalf("%+v %+v: nothing at wake %v: %q", p, tl, wake, evs(events))
		}
	}
	if events, _ := Next(p, s, tl, now, limit.Add(-time.Nanosecond)); len(events) > 0 {
		t.Fatalf("%+v %+v: %q before wake %v", p, tl, evs(events), wake)
	}
}

func checkDuesAt(t *testing.T, s *bizhours.Schedule, p Policy, tl Timeline, now time.Time) {
	t.Helper()
	for _, d := range Dues(p, s, tl, now) {
		if !d.RemindAt.IsZero() && (!s.IsOpen(d.RemindAt) || !d.RemindAt.Before(d.At)) {
			t.Fatalf("%+v %+v: due %+v reminds closed or late", p, tl, d)
		}
		if !tl.Resolved.IsZero() && !tl.Resolved.After(now) {
			t.Fatalf("%+v %+v: resolved case has due %+v", p, tl, d)
		}
	}
}

// A clock still pending at an open instant past its due time has had its
// breach reported: whatever waits came and went, none swallowed it.
func checkBreachesHeard(t *testing.T, s *bizhours.Schedule, p Policy, tl Timeline, now time.Time) {
	t.Helper()
	if !s.IsOpen(now) {
		return
	}
	events, _ := Next(p, s, tl, tl.Created.Add(-time.Nanosecond), now)
	for _, d := range Dues(p, s, tl, now) {
		if d.At.After(now) {
			continue
		}
		if !slices.ContainsFunc(events, func(e Event) bool {
			return e.Kind == Breach && e.Clock == d.Clock && e.Due.Equal(d.At)
		}) {
			t.Fatalf("%+v %+v: breach of %s due %v unheard by %v: %q", p, tl, d.Clock, d.At, now, evs(events))
		}
	}
}
