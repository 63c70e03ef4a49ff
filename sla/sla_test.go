package sla

import (
	"testing"
	"time"

	"github.com/casemail/casemail/bizhours"
)

func mustSchedule(t testing.TB, c bizhours.Config) *bizhours.Schedule {
	t.Helper()
	s, err := bizhours.New(c)
	if err != nil {
		t.Fatalf("bizhours.New: %v", err)
	}
	return s
}

// weekly opens the named days with the same ranges.
func weekly(ranges []string, names ...string) map[string][]string {
	w := map[string][]string{}
	for _, d := range names {
		w[d] = ranges
	}
	return w
}

// madrid is the reference contract: Europe/Madrid, Monday to Friday 09-18.
func madrid(t testing.TB) *bizhours.Schedule {
	return mustSchedule(t, bizhours.Config{
		Timezone: "Europe/Madrid",
		Weekly:   weekly([]string{"09:00-18:00"}, "mon", "tue", "wed", "thu", "fri"),
	})
}

// aroundTheClock is a 24/7 desk in Madrid: business time is real time, so
// DST shows in wall-clock due times.
func aroundTheClock(t testing.TB) *bizhours.Schedule {
	return mustSchedule(t, bizhours.Config{
		Timezone: "Europe/Madrid",
		Weekly:   weekly([]string{"00:00-24:00"}, "mon", "tue", "wed", "thu", "fri", "sat", "sun"),
	})
}

// at reads "2006-01-02 15:04[:05]" as Madrid wall-clock time; "" is zero.
func at(t testing.TB, v string) time.Time {
	t.Helper()
	if v == "" {
		return time.Time{}
	}
	loc, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		t.Fatal(err)
	}
	layout := "2006-01-02 15:04"
	if len(v) > len(layout) {
		layout += ":05"
	}
	tm, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func checkDues(t *testing.T, got, want []Due) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("dues = %v, want %v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Clock != w.Clock || !g.At.Equal(w.At) || !g.RemindAt.Equal(w.RemindAt) || g.RemindAt.IsZero() != w.RemindAt.IsZero() {
			t.Errorf("due[%d] = %s at %s remind %s, want %s at %s remind %s", i,
				g.Clock, g.At.Format(time.RFC3339), g.RemindAt.Format(time.RFC3339),
				w.Clock, w.At.Format(time.RFC3339), w.RemindAt.Format(time.RFC3339))
		}
	}
}

// full is a tier with every promise, used by most cases.
var full = Policy{FirstResponse: 4 * time.Hour, UpdateEvery: 8 * time.Hour, Resolution: 16 * time.Hour, RemindBefore: time.Hour}

func TestDues(t *testing.T) {
	s := madrid(t)
	// The week of Friday 6 March 2026: no holiday, no DST change.
	created := "2026-03-06 17:00"
	waitMonTue := []Interval{{at(t, "2026-03-09 12:00"), at(t, "2026-03-10 12:00")}}
	tests := []struct {
		name string
		p    Policy
		tl   Timeline
		now  string
		want []Due
	}{
		{"friday 17:00 + 4h is monday 12:00, reminded at 11:00; no update before a response", full,
			Timeline{Created: at(t, created)}, created, []Due{
				{ClockFirstResponse, at(t, "2026-03-09 12:00"), at(t, "2026-03-09 11:00")},
				{ClockResolution, at(t, "2026-03-10 15:00"), at(t, "2026-03-10 14:00")},
			}},
		{"a breached first response stays pending", full,
			Timeline{Created: at(t, created)}, "2026-03-09 15:00", []Due{
				{ClockFirstResponse, at(t, "2026-03-09 12:00"), at(t, "2026-03-09 11:00")},
				{ClockResolution, at(t, "2026-03-10 15:00"), at(t, "2026-03-10 14:00")},
			}},
		// 10:00 + 8h runs out at Monday's closing; the breach escalates
		// on Tuesday at 09:00 (see TestNext).
		{"answered monday 10:00: the update clock runs to closing", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00")}, "2026-03-09 10:00", []Due{
				{ClockUpdate, at(t, "2026-03-09 18:00"), at(t, "2026-03-09 17:00")},
				{ClockResolution, at(t, "2026-03-10 15:00"), at(t, "2026-03-10 14:00")},
			}},
		{"a later progress update restarts the update clock", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00"), LastAgentUpdate: at(t, "2026-03-09 16:00")},
			"2026-03-09 16:00", []Due{
				{ClockUpdate, at(t, "2026-03-10 15:00"), at(t, "2026-03-10 14:00")},
				{ClockResolution, at(t, "2026-03-10 15:00"), at(t, "2026-03-10 14:00")},
			}},
		{"waiting now stops the update and resolution clocks", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00"),
				Waiting: []Interval{{Start: at(t, "2026-03-09 12:00")}}}, "2026-03-09 15:00", nil},
		{"so does a wait that ends after now", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00"), Waiting: waitMonTue},
			"2026-03-09 15:00", nil},
		// Monday 12:00 to Tuesday 12:00 is 9h of business time: both
		// clocks resume where they stood and run 9h later.
		{"waiting monday 12:00 to tuesday 12:00 pushes both clocks by 9h", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00"), Waiting: waitMonTue},
			"2026-03-10 12:00", []Due{
				{ClockUpdate, at(t, "2026-03-10 18:00"), at(t, "2026-03-10 17:00")},
				{ClockResolution, at(t, "2026-03-11 15:00"), at(t, "2026-03-11 14:00")},
			}},
		{"waiting does not stop the first response clock", full,
			Timeline{Created: at(t, created), Waiting: []Interval{{Start: at(t, "2026-03-09 09:30")}}}, "2026-03-09 10:00", []Due{
				{ClockFirstResponse, at(t, "2026-03-09 12:00"), at(t, "2026-03-09 11:00")},
			}},
		{"resolved: nothing is due", full,
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00"), Resolved: at(t, "2026-03-09 11:00")},
			"2026-03-09 11:00", nil},
		{"resolved later than now does not count yet", Policy{Resolution: 16 * time.Hour},
			Timeline{Created: at(t, created), Resolved: at(t, "2026-03-09 11:00")}, "2026-03-09 10:00", []Due{
				{ClockResolution, at(t, "2026-03-10 15:00"), time.Time{}},
			}},
		{"zero policy: nothing is due", Policy{RemindBefore: time.Hour},
			Timeline{Created: at(t, created), FirstResponse: at(t, "2026-03-09 10:00")}, "2026-03-09 10:00", nil},
		{"negative durations are no promise", Policy{FirstResponse: -time.Hour, UpdateEvery: -1, Resolution: -1},
			Timeline{Created: at(t, created)}, created, nil},
		{"no reminder on a clock shorter than the warning", Policy{FirstResponse: time.Hour, RemindBefore: time.Hour},
			Timeline{Created: at(t, created)}, created, []Due{
				{ClockFirstResponse, at(t, "2026-03-06 18:00"), time.Time{}},
			}},
		// Thirty minutes are left from Friday's closing to Monday's
		// opening; the reminder goes at the latest of those instants.
		{"a reminder due over the weekend is given at the latest instant: monday 09:00", Policy{FirstResponse: 90 * time.Minute, RemindBefore: 30 * time.Minute},
			Timeline{Created: at(t, created)}, created, []Due{
				{ClockFirstResponse, at(t, "2026-03-09 09:30"), at(t, "2026-03-09 09:00")},
			}},
		{"not created yet", full, Timeline{Created: at(t, created)}, "2026-03-06 16:00", nil},
		{"no creation time", full, Timeline{}, created, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDues(t, Dues(tt.p, s, tt.tl, at(t, tt.now)), tt.want)
		})
	}
}

func TestWaitingPushesByBusinessTime(t *testing.T) {
	s := madrid(t)
	tl := Timeline{Created: at(t, "2026-03-06 17:00"),
		Waiting: []Interval{{at(t, "2026-03-09 12:00"), at(t, "2026-03-10 12:00")}}}
	p := Policy{Resolution: 16 * time.Hour}
	before := Dues(p, s, Timeline{Created: tl.Created}, at(t, "2026-03-10 12:00"))
	after := Dues(p, s, tl, at(t, "2026-03-10 12:00"))
	if got := s.Between(before[0].At, after[0].At); got != 9*time.Hour {
		t.Errorf("waiting pushed resolution by %v of business time, want 9h", got)
	}
}

// A wait that starts after a clock ran out does not push it: that breach
// has escalated, and resuming must not make a second one.
func TestWaitingAfterBreachDoesNotPush(t *testing.T) {
	s := madrid(t)
	p := Policy{Resolution: 9 * time.Hour}
	tl := Timeline{Created: at(t, "2026-03-09 09:00"),
		Waiting: []Interval{{at(t, "2026-03-10 10:00"), at(t, "2026-03-11 10:00")}}}
	checkDues(t, Dues(p, s, tl, at(t, "2026-03-11 12:00")), []Due{{ClockResolution, at(t, "2026-03-09 18:00"), time.Time{}}})
}

// Waits kept by hand may overlap or come out of order; each business hour
// is still counted once.
func TestWaitsForgiven(t *testing.T) {
	s := madrid(t)
	p := Policy{Resolution: 16 * time.Hour}
	tidy := Timeline{Created: at(t, "2026-03-06 17:00"),
		Waiting: []Interval{{at(t, "2026-03-09 12:00"), at(t, "2026-03-10 12:00")}}}
	messy := tidy
	messy.Waiting = []Interval{
		{at(t, "2026-03-09 15:00"), at(t, "2026-03-10 12:00")},
		{at(t, "2026-03-09 12:00"), at(t, "2026-03-09 13:00")},
		{at(t, "2026-03-09 13:00"), at(t, "2026-03-09 16:00")}, // touches the first, overlaps the last
		{at(t, "2026-03-09 14:00"), at(t, "2026-03-09 11:00")}, // ends before it starts: dropped
		{at(t, "2026-03-12 10:00"), time.Time{}},               // after now: not known yet
	}
	now := at(t, "2026-03-10 12:00")
	checkDues(t, Dues(p, s, messy, now), Dues(p, s, tidy, now))
}

func TestDuesAcrossDST(t *testing.T) {
	// Madrid springs forward on Sunday 29 March 2026, 02:00 CET -> 03:00 CEST.
	s := madrid(t)
	tl := Timeline{Created: at(t, "2026-03-27 17:00")}
	p := Policy{FirstResponse: 4 * time.Hour, Resolution: 45 * time.Hour, RemindBefore: 2 * time.Hour}
	got := Dues(p, s, tl, tl.Created)
	checkDues(t, got, []Due{
		// Monday 12:00 CEST is 10:00 UTC: the offset changed, nine-hour days did not.
		{ClockFirstResponse, at(t, "2026-03-30 12:00"), at(t, "2026-03-30 10:00")},
		{ClockResolution, at(t, "2026-04-03 17:00"), at(t, "2026-04-03 15:00")},
	})
	if u := got[0].At.UTC(); u.Hour() != 10 {
		t.Errorf("first response due %s UTC, want 10:00", u)
	}

	// Around the clock, business time is real time: 24h from Saturday
	// 12:00 CET is Sunday 13:00 CEST, and a reminder 1h before is 12:00.
	// Back in autumn, 24h from Saturday 12:00 CEST is Sunday 11:00 CET.
	all := aroundTheClock(t)
	p = Policy{FirstResponse: 24 * time.Hour, RemindBefore: time.Hour}
	for _, tt := range []struct{ created, due, remind string }{
		{"2026-03-28 12:00", "2026-03-29 13:00", "2026-03-29 12:00"},
		{"2026-10-24 12:00", "2026-10-25 11:00", "2026-10-25 10:00"},
	} {
		tl := Timeline{Created: at(t, tt.created)}
		checkDues(t, Dues(p, all, tl, tl.Created), []Due{{ClockFirstResponse, at(t, tt.due), at(t, tt.remind)}})
	}
}

// RemindAt is defined by what is left: exactly RemindBefore of business
// time before the due time, and the latest such instant, so it is open.
func TestRemindAtLeavesRemindBefore(t *testing.T) {
	s := madrid(t)
	created := at(t, "2026-03-20 11:00")
	for _, rb := range []time.Duration{time.Minute, 2 * time.Hour, 7 * time.Hour, 9 * time.Hour, 30 * time.Hour} {
		p := Policy{Resolution: 40 * time.Hour, RemindBefore: rb}
		d := Dues(p, s, Timeline{Created: created}, created)[0]
		if got := s.Between(d.RemindAt, d.At); got != rb {
			t.Errorf("RemindBefore %v: Between(RemindAt, At) = %v", rb, got)
		}
		if !s.IsOpen(d.RemindAt) {
			t.Errorf("RemindBefore %v: RemindAt %v is closed", rb, d.RemindAt)
		}
	}
}
