package bizhours

import (
	"testing"
	"time"
)

// DST transitions in 2026:
//   Europe/Madrid     29 March 02:00 CET → 03:00 CEST; 25 October 03:00 CEST → 02:00 CET
//   America/New_York  8 March 02:00 EST → 03:00 EDT;   1 November 02:00 EDT → 01:00 EST
// All four fall on Sundays, so the schedules below open on Sundays to put
// windows across the change. Expectations are UTC instants so that an error
// in zone handling cannot cancel itself out.

func TestDSTWindowLengths(t *testing.T) {
	tests := []struct {
		name, zone, date string
		ranges           []string
		want             time.Duration
		start, end       string // UTC bounds of the single window
	}{
		{"madrid spring 24h sunday", "Europe/Madrid", "2026-03-29", []string{"00:00-24:00"}, 23 * time.Hour,
			"2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"madrid autumn 24h sunday", "Europe/Madrid", "2026-10-25", []string{"00:00-24:00"}, 25 * time.Hour,
			"2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"},
		{"madrid autumn 02-03 covers the repeated hour", "Europe/Madrid", "2026-10-25", []string{"02:00-03:00"}, 2 * time.Hour,
			"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"},
		{"madrid 09-18 is nine hours on change day", "Europe/Madrid", "2026-03-29", []string{"09:00-18:00"}, 9 * time.Hour,
			"2026-03-29T07:00:00Z", "2026-03-29T16:00:00Z"},
		{"new york spring 01-04", "America/New_York", "2026-03-08", []string{"01:00-04:00"}, 2 * time.Hour,
			"2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z"},
		{"new york autumn 01-04", "America/New_York", "2026-11-01", []string{"01:00-04:00"}, 4 * time.Hour,
			"2026-11-01T05:00:00Z", "2026-11-01T09:00:00Z"},
		{"new york spring 00-06", "America/New_York", "2026-03-08", []string{"00:00-06:00"}, 5 * time.Hour,
			"2026-03-08T05:00:00Z", "2026-03-08T10:00:00Z"},
		{"new york autumn 00-06", "America/New_York", "2026-11-01", []string{"00:00-06:00"}, 7 * time.Hour,
			"2026-11-01T04:00:00Z", "2026-11-01T11:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, Config{Timezone: tt.zone, Weekly: map[string][]string{"sunday": tt.ranges}})
			dayStart := at(t, s, tt.date+" 00:00")
			from, to := dayStart.Add(-24*time.Hour), dayStart.Add(48*time.Hour)
			if got := s.Between(from, to); got != tt.want {
				t.Errorf("Between = %v, want %v", got, tt.want)
			}
			checkWindows(t, s.Windows(from, to), []Window{{utc(t, tt.start), utc(t, tt.end)}})
			sameInstant(t, "NextOpen", s.NextOpen(from), utc(t, tt.start))
			sameInstant(t, "NextClose", s.NextClose(from), utc(t, tt.end))
			sameInstant(t, "Add(whole window)", s.Add(from, tt.want), utc(t, tt.end))
			// One more second is taken from the next Sunday's window.
			next := s.NextOpen(utc(t, tt.end))
			if y, m, d := next.In(s.Location()).Date(); time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(
				time.Date(dayStart.Year(), dayStart.Month(), dayStart.Day(), 0, 0, 0, 0, time.UTC)) != 7*24*time.Hour {
				t.Errorf("next window opens %s, want the following Sunday", next)
			}
			sameInstant(t, "Add(one more second)", s.Add(from, tt.want+time.Second), next.Add(time.Second))
		})
	}
}

func TestDSTGapRangeIsEmpty(t *testing.T) {
	// 02:00-03:00 does not exist in Madrid on 29 March: the day is closed,
	// and the walk continues to the following Sunday.
	s := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: map[string][]string{"sunday": {"02:00-03:00"}}})
	from := at(t, s, "2026-03-28 12:00")
	if got := s.Between(from, from.Add(48*time.Hour)); got != 0 {
		t.Errorf("Between = %v, want 0", got)
	}
	sameInstant(t, "NextOpen", s.NextOpen(from), utc(t, "2026-04-05T00:00:00Z"))
}

func TestDSTWeekdaySchedules(t *testing.T) {
	mad := madrid(t)
	ny := mustNew(t, Config{Timezone: "America/New_York", Weekly: map[string][]string{
		"monday": {"00:00-06:00"}, "sunday": {"00:00-06:00"}, "saturday": {"22:00-24:00"},
	}})
	tests := []struct {
		name string
		s    *Schedule
		from string // wall clock in the schedule's zone
		add  time.Duration
		open string // NextOpen, UTC
		due  string // Add, UTC
	}{
		// Friday 17:00 CET is 16:00Z; Monday 10:00 CEST is 08:00Z.
		{"madrid friday before spring change", mad, "2026-03-27 17:00", 2 * time.Hour,
			"2026-03-27T16:00:00Z", "2026-03-30T08:00:00Z"},
		{"madrid weekend before spring change", mad, "2026-03-28 12:00", time.Hour,
			"2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"},
		{"madrid weekend before autumn change", mad, "2026-10-24 12:00", time.Hour,
			"2026-10-26T08:00:00Z", "2026-10-26T09:00:00Z"},
		// Saturday 22:00-24:00 joins Sunday 00:00-06:00 in New York; the
		// joined window is 2h + 5h on 8 March and 2h + 7h on 1 November.
		{"new york through spring gap", ny, "2026-03-07 23:00", 6 * time.Hour,
			"2026-03-07T23:00:00-05:00", "2026-03-08T10:00:00Z"},
		{"new york into monday after spring gap", ny, "2026-03-07 23:00", 6*time.Hour + 30*time.Minute,
			"2026-03-07T23:00:00-05:00", "2026-03-09T04:30:00Z"},
		{"new york through autumn overlap", ny, "2026-10-31 23:00", 8 * time.Hour,
			"2026-10-31T23:00:00-04:00", "2026-11-01T11:00:00Z"},
		{"new york saturday noon", ny, "2026-10-31 12:00", time.Hour,
			"2026-11-01T02:00:00Z", "2026-11-01T03:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := at(t, tt.s, tt.from)
			sameInstant(t, "NextOpen", tt.s.NextOpen(from), utc(t, tt.open))
			due := tt.s.Add(from, tt.add)
			sameInstant(t, "Add", due, utc(t, tt.due))
			if got := tt.s.Between(from, due); got != tt.add {
				t.Errorf("Between(from, due) = %v, want %v", got, tt.add)
			}
		})
	}
	// The joined New York window closes at 06:00 EDT, 10:00Z.
	sameInstant(t, "NextClose", ny.NextClose(at(t, ny, "2026-03-07 23:00")), utc(t, "2026-03-08T10:00:00Z"))
}

func TestWallClock(t *testing.T) {
	// time.Date leaves the choice in gaps and overlaps open and in practice
	// picks differently by zone; wallClock always means "the first instant
	// the wall clock reads this time or later".
	tests := []struct {
		zone, date, clock string
		want              string // UTC
	}{
		{"America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z"}, // gap: 03:00 EDT
		{"Europe/Madrid", "2026-03-29", "02:30", "2026-03-29T01:00:00Z"},    // gap: 03:00 CEST
		{"America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"}, // overlap: first, EDT
		{"Europe/Madrid", "2026-10-25", "02:30", "2026-10-25T00:30:00Z"},    // overlap: first, CEST
		{"Europe/Madrid", "2026-10-25", "03:00", "2026-10-25T02:00:00Z"},
		{"America/Santiago", "2026-09-06", "00:00", "2026-09-06T04:00:00Z"},    // midnight gap: 01:00 -03
		{"America/Santiago", "2026-09-05", "24:00", "2026-09-06T04:00:00Z"},    // the same instant
		{"America/Santiago", "2026-04-04", "23:30", "2026-04-05T02:30:00Z"},    // overlap before midnight
		{"Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00Z"}, // 30-minute gap
		{"Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45:00Z"}, // 30-minute overlap
		{"UTC", "2026-04-05", "24:00", "2026-04-06T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.date+" "+tt.clock, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Skip(err)
			}
			d, _ := parseDay(tt.date)
			y, m, dd := d.date()
			min, _ := parseClock(tt.clock)
			sameInstant(t, "wallClock", wallClock(y, m, dd, min, loc), utc(t, tt.want))
		})
	}
}

func TestDSTGapAndOverlapRanges(t *testing.T) {
	ny := mustNew(t, Config{Timezone: "America/New_York", Weekly: map[string][]string{
		"sunday": {"00:00-01:30", "01:30-03:00", "04:00-05:00"},
	}})
	// On 1 November the touching ranges join into 00:00 EDT-03:00 EST.
	from := at(t, ny, "2026-10-31 12:00")
	checkWindows(t, ny.Windows(from, from.Add(24*time.Hour)), []Window{
		{utc(t, "2026-11-01T04:00:00Z"), utc(t, "2026-11-01T08:00:00Z")},
		{utc(t, "2026-11-01T09:00:00Z"), utc(t, "2026-11-01T10:00:00Z")},
	})
	// On 8 March 01:30-03:00 is half an hour: 01:30 EST to the jump.
	from = at(t, ny, "2026-03-07 12:00")
	if got := ny.Between(from, from.Add(24*time.Hour)); got != 3*time.Hour {
		t.Errorf("Between on 8 March = %v, want 1h30m + 30m + 1h", got)
	}
}
