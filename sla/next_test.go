package sla

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// ev writes an event compactly: "remind first_response 2026-03-09 11:00
// due 2026-03-09 12:00", in Madrid time, so failures read like the table.
func ev(e Event) string {
	const f = "2006-01-02 15:04:05"
	loc, _ := time.LoadLocation("Europe/Madrid")
	return fmt.Sprintf("%s %s %s due %s", e.Kind, e.Clock, e.At.In(loc).Format(f), e.Due.In(loc).Format(f))
}

func evs(es []Event) string {
	var out []string
	for _, e := range es {
		out = append(out, ev(e))
	}
	return strings.Join(out, "; ")
}

func TestNext(t *testing.T) {
	s := madrid(t)
	frOnly := Policy{FirstResponse: 4 * time.Hour, RemindBefore: time.Hour}
	created := at(t, "2026-03-06 17:00")
	answered := Timeline{Created: created, FirstResponse: at(t, "2026-03-09 10:00")}
	tests := []struct {
		name       string
		p          Policy
		tl         Timeline
		since, now string
		events     string // as evs writes them
		wake       string
	}{
		{"friday evening: nothing yet, wake for monday's reminder", frOnly, Timeline{Created: created},
			"2026-03-06 17:00", "2026-03-07 12:00", "", "2026-03-09 11:00"},
		{"the reminder, then wake for the breach", frOnly, Timeline{Created: created},
			"2026-03-07 12:00", "2026-03-09 11:00", "remind first_response 2026-03-09 11:00:00 due 2026-03-09 12:00:00", "2026-03-09 12:00"},
		{"the breach, then nothing more to wait for", frOnly, Timeline{Created: created},
			"2026-03-09 11:00", "2026-03-09 12:00", "breach first_response 2026-03-09 12:00:00 due 2026-03-09 12:00:00", ""},
		{"a moment is in (since, now]: not again at since", frOnly, Timeline{Created: created},
			"2026-03-09 12:00", "2026-03-09 15:00", "", ""},
		{"after sleeping through both, both at once in order", frOnly, Timeline{Created: created},
			"2026-03-06 17:00", "2026-03-09 15:00",
			"remind first_response 2026-03-09 11:00:00 due 2026-03-09 12:00:00; breach first_response 2026-03-09 12:00:00 due 2026-03-09 12:00:00", ""},
		// The update clock runs out at Monday 18:00, closing: the breach
		// escalates at Tuesday's opening, not in the evening.
		{"an update breach at closing escalates at the next opening", full, answered,
			"2026-03-09 17:30", "2026-03-10 09:00", "breach update 2026-03-10 09:00:00 due 2026-03-09 18:00:00", "2026-03-10 14:00"},
		{"nothing fires overnight", full, answered,
			"2026-03-09 17:00", "2026-03-10 08:59", "", "2026-03-10 09:00"},
		// A first response at 12:30 answers the case, but the breach at
		// 12:00 happened, and a caller that passes the current Timeline
		// still hears of it.
		{"a late answer does not hide the breach", frOnly,
			Timeline{Created: created, FirstResponse: at(t, "2026-03-09 12:30")},
			"2026-03-09 11:30", "2026-03-09 13:00", "breach first_response 2026-03-09 12:00:00 due 2026-03-09 12:00:00", ""},
		{"an answer at the due time is on time", frOnly,
			Timeline{Created: created, FirstResponse: at(t, "2026-03-09 12:00")},
			"2026-03-09 11:30", "2026-03-09 13:00", "", ""},
		{"a wait begun before the due time hides the breach", Policy{UpdateEvery: 2 * time.Hour},
			Timeline{Created: created, FirstResponse: at(t, "2026-03-09 10:00"), Waiting: []Interval{{Start: at(t, "2026-03-09 11:00")}}},
			"2026-03-09 10:00", "2026-03-09 15:00", "", ""},
		{"resolved: nothing", full,
			Timeline{Created: created, FirstResponse: at(t, "2026-03-09 10:00"), Resolved: at(t, "2026-03-09 11:00")},
			"2026-03-09 10:00", "2026-03-12 10:00", "", ""},
		{"zero policy: nothing", Policy{}, Timeline{Created: created},
			"2026-03-06 17:00", "2026-03-20 10:00", "", ""},
		{"now not after since: no events, still a wake", frOnly, Timeline{Created: created},
			"2026-03-09 11:30", "2026-03-09 11:30", "", "2026-03-09 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, wake := Next(tt.p, s, tt.tl, at(t, tt.since), at(t, tt.now))
			if got := evs(events); got != tt.events {
				t.Errorf("events = %q\nwant     %q", got, tt.events)
			}
			if want := at(t, tt.wake); !wake.Equal(want) || wake.IsZero() != want.IsZero() {
				t.Errorf("wake = %v, want %v", wake, want)
			}
		})
	}
}

// A clock that runs out a minute before closing escalates then; one that
// runs out at closing, the last instant business time can reach, escalates
// at Monday's opening, never over the weekend.
func TestNextAtClosing(t *testing.T) {
	s := madrid(t)
	p := Policy{FirstResponse: time.Minute, RemindBefore: 30 * time.Second}
	for _, tt := range []struct{ created, events string }{
		{"2026-03-06 17:58", "remind first_response 2026-03-06 17:58:30 due 2026-03-06 17:59:00; breach first_response 2026-03-06 17:59:00 due 2026-03-06 17:59:00"},
		{"2026-03-06 17:59", "remind first_response 2026-03-06 17:59:30 due 2026-03-06 18:00:00; breach first_response 2026-03-09 09:00:00 due 2026-03-06 18:00:00"},
	} {
		events, wake := Next(p, s, Timeline{Created: at(t, tt.created)}, at(t, tt.created), at(t, "2026-03-10 00:00"))
		if got := evs(events); got != tt.events {
			t.Errorf("created %s: events = %q\nwant %q", tt.created, got, tt.events)
		}
		if !wake.IsZero() {
			t.Errorf("created %s: wake = %v", tt.created, wake)
		}
	}
}

// The update clock ran out at Friday's closing; the agent then set the case
// waiting over the weekend until Monday 11:00. The breach stands (waiting
// after a breach does not undo it) but escalates when the case resumes, not
// at 09:00 while it waits, when no clock is running and a call of Next
// would not see it.
func TestNextBreachDuringWaitEscalatesOnResume(t *testing.T) {
	s := madrid(t)
	p := Policy{UpdateEvery: 8 * time.Hour}
	tl := Timeline{Created: at(t, "2026-03-06 09:00"), FirstResponse: at(t, "2026-03-06 10:00"),
		Waiting: []Interval{{at(t, "2026-03-07 10:00"), at(t, "2026-03-09 11:00")}}}
	want := "breach update 2026-03-09 11:00:00 due 2026-03-06 18:00:00"

	events, _ := Next(p, s, tl, at(t, "2026-03-06 17:00"), at(t, "2026-03-09 12:00"))
	if got := evs(events); got != want {
		t.Errorf("in one call: %q, want %q", got, want)
	}
	// Called while waiting, nothing and no wake; on resuming, the breach.
	events, wake := Next(p, s, tl, at(t, "2026-03-06 17:00"), at(t, "2026-03-08 12:00"))
	if len(events) != 0 || !wake.IsZero() {
		t.Errorf("while waiting: %q, wake %v", evs(events), wake)
	}
	events, _ = Next(p, s, tl, at(t, "2026-03-08 12:00"), at(t, "2026-03-09 11:00"))
	if got := evs(events); got != want {
		t.Errorf("on resuming: %q, want %q", got, want)
	}
}

// A reminder that fired before the customer was asked is not given again
// when they answer, though the due time moved past it.
func TestNextReminderNotRepeatedAfterWait(t *testing.T) {
	s := madrid(t)
	p := Policy{Resolution: 9 * time.Hour, RemindBefore: 2 * time.Hour}
	tl := Timeline{Created: at(t, "2026-03-09 09:00"),
		Waiting: []Interval{{at(t, "2026-03-09 16:30"), at(t, "2026-03-10 11:00")}}}
	// 7h30 used by 16:30; the last 1h30 from Tuesday 11:00. The reminder
	// names the due time as it stood when it was given.
	want := "remind resolution 2026-03-09 16:00:00 due 2026-03-09 18:00:00; breach resolution 2026-03-10 12:30:00 due 2026-03-10 12:30:00"
	events, _ := Next(p, s, tl, at(t, "2026-03-09 09:00"), at(t, "2026-03-10 13:00"))
	if got := evs(events); got != want {
		t.Errorf("events = %q\nwant     %q", got, want)
	}
	events, _ = Next(p, s, tl, at(t, "2026-03-10 10:00"), at(t, "2026-03-10 13:00"))
	if got := evs(events); got != "breach resolution 2026-03-10 12:30:00 due 2026-03-10 12:30:00" {
		t.Errorf("after the wait: %q", got)
	}
}

func TestEventString(t *testing.T) {
	e := Event{Kind: Breach, Clock: ClockFirstResponse, Due: at(t, "2026-03-06 18:00"), At: at(t, "2026-03-09 09:00")}
	want := "breach first_response at 2026-03-09T09:00:00+01:00 (due 2026-03-06T18:00:00+01:00)"
	if got := e.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
