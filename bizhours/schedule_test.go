package bizhours

import (
	"testing"
	"time"
)

// weekdays is a Monday-to-Friday week with the same ranges every day.
func weekdays(ranges ...string) map[string][]string {
	w := map[string][]string{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		w[d] = ranges
	}
	return w
}

func mustNew(t testing.TB, c Config) *Schedule {
	t.Helper()
	s, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// madrid is the reference contract: Europe/Madrid, Monday to Friday 09-18.
func madrid(t testing.TB) *Schedule {
	return mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00")})
}

// at reads "2006-01-02 15:04[:05]" as a wall-clock time in s's zone.
func at(t testing.TB, s *Schedule, v string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(v) > len(layout) {
		layout += ":05"
	}
	tm, err := time.ParseInLocation(layout, v, s.Location())
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// utc reads an RFC 3339 instant, so that expectations name real instants.
func utc(t testing.TB, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func sameInstant(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.IsZero() != want.IsZero() {
		t.Errorf("%s = %s, want %s", what, got.UTC().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

func TestNextOpenAndIsOpen(t *testing.T) {
	s := madrid(t)
	tests := []struct {
		name, at string
		open     bool
		next     string // UTC
	}{
		// 2026-03-20 is a Friday; Madrid is UTC+1 until 29 March.
		{"friday evening waits for monday", "2026-03-20 19:00", false, "2026-03-23T08:00:00Z"},
		{"saturday", "2026-03-21 12:00", false, "2026-03-23T08:00:00Z"},
		{"sunday late", "2026-03-22 23:59:59", false, "2026-03-23T08:00:00Z"},
		{"during hours is itself", "2026-03-23 12:34", true, "2026-03-23T11:34:00Z"},
		{"opening instant is open", "2026-03-23 09:00", true, "2026-03-23T08:00:00Z"},
		{"closing instant is closed", "2026-03-23 18:00", false, "2026-03-24T08:00:00Z"},
		{"last second before close", "2026-03-23 17:59:59", true, "2026-03-23T16:59:59Z"},
		{"a second before opening", "2026-03-24 08:59:59", false, "2026-03-24T08:00:00Z"},
		{"after midnight", "2026-03-24 00:00", false, "2026-03-24T08:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := at(t, s, tt.at)
			if got := s.IsOpen(tm); got != tt.open {
				t.Errorf("IsOpen = %v, want %v", got, tt.open)
			}
			sameInstant(t, "NextOpen", s.NextOpen(tm), utc(t, tt.next))
			// Not a minute before: the instant just before NextOpen is closed.
			if next := s.NextOpen(tm); next.After(tm) && s.IsOpen(next.Add(-time.Nanosecond)) {
				t.Errorf("open just before NextOpen %s", next)
			}
		})
	}
}

func TestNextOpenKeepsInstantWhenOpen(t *testing.T) {
	s := madrid(t)
	tm := time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC) // 11:00 in Madrid
	if got := s.NextOpen(tm); got != tm {
		t.Errorf("NextOpen changed an open instant: %v", got)
	}
}

func TestNextClose(t *testing.T) {
	lunch := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-14:00", "15:00-18:00")})
	tests := []struct {
		name string
		s    *Schedule
		at   string
		want string // UTC
	}{
		{"end of current window", lunch, "2026-03-23 10:00", "2026-03-23T13:00:00Z"},
		{"lunch: end of the afternoon window", lunch, "2026-03-23 14:30", "2026-03-23T17:00:00Z"},
		{"closing instant: next day's close", lunch, "2026-03-23 18:00", "2026-03-24T13:00:00Z"},
		{"weekend: monday morning close", lunch, "2026-03-21 10:00", "2026-03-23T13:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameInstant(t, "NextClose", tt.s.NextClose(at(t, tt.s, tt.at)), utc(t, tt.want))
		})
	}
}

func TestAdjacentWindowsMerge(t *testing.T) {
	// Friday to 24:00 and Saturday from 00:00 are one window; so are the
	// touching ranges of Monday.
	s := mustNew(t, Config{Timezone: "UTC", Weekly: map[string][]string{
		"monday": {"09:00-13:00", "13:00-18:00"},
		"friday": {"16:00-24:00"},
		"sat":    {"00:00-02:00"},
	}})
	fri := at(t, s, "2026-03-20 17:00")
	sameInstant(t, "NextClose(friday)", s.NextClose(fri), utc(t, "2026-03-21T02:00:00Z"))
	sameInstant(t, "NextClose(monday)", s.NextClose(at(t, s, "2026-03-23 10:00")), utc(t, "2026-03-23T18:00:00Z"))
	if !s.IsOpen(at(t, s, "2026-03-21 00:00")) || !s.IsOpen(at(t, s, "2026-03-23 13:00")) {
		t.Error("closed at a junction between touching windows")
	}
	got := s.Windows(fri, at(t, s, "2026-03-24 00:00"))
	want := []Window{
		{utc(t, "2026-03-20T17:00:00Z"), utc(t, "2026-03-21T02:00:00Z")},
		{utc(t, "2026-03-23T09:00:00Z"), utc(t, "2026-03-23T18:00:00Z")},
	}
	checkWindows(t, got, want)
	sameInstant(t, "Add across midnight", s.Add(fri, 8*time.Hour), utc(t, "2026-03-21T01:00:00Z"))
}

func checkWindows(t *testing.T, got, want []Window) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d windows %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("window %d = [%s, %s), want [%s, %s)", i,
				got[i].Start.UTC(), got[i].End.UTC(), want[i].Start.UTC(), want[i].End.UTC())
		}
	}
}

func TestWindowsClipped(t *testing.T) {
	s := madrid(t)
	got := s.Windows(at(t, s, "2026-03-20 12:00"), at(t, s, "2026-03-23 10:30"))
	checkWindows(t, got, []Window{
		{utc(t, "2026-03-20T11:00:00Z"), utc(t, "2026-03-20T17:00:00Z")},
		{utc(t, "2026-03-23T08:00:00Z"), utc(t, "2026-03-23T09:30:00Z")},
	})
	if w := s.Windows(at(t, s, "2026-03-21 00:00"), at(t, s, "2026-03-22 00:00")); len(w) != 0 {
		t.Errorf("weekend windows: %v", w)
	}
	if w := s.Windows(at(t, s, "2026-03-23 12:00"), at(t, s, "2026-03-23 12:00")); w != nil {
		t.Errorf("empty range: %v", w)
	}
}

func TestNeverOpen(t *testing.T) {
	s := mustNew(t, Config{Timezone: "Europe/Madrid"})
	tm := at(t, s, "2026-03-20 12:00")
	if s.IsOpen(tm) {
		t.Error("IsOpen")
	}
	for name, got := range map[string]time.Time{
		"NextOpen":  s.NextOpen(tm),
		"NextClose": s.NextClose(tm),
		"Add":       s.Add(tm, time.Hour),
	} {
		if !got.IsZero() {
			t.Errorf("%s = %v, want zero time", name, got)
		}
	}
	if d := s.Between(tm, tm.AddDate(5, 0, 0)); d != 0 {
		t.Errorf("Between = %v", d)
	}
	if w := s.Windows(tm, tm.AddDate(1, 0, 0)); len(w) != 0 {
		t.Errorf("Windows = %v", w)
	}
}

func TestOnlyExceptionsOpen(t *testing.T) {
	// No weekly hours: the walk jumps from exception to exception, and an
	// exception further than two years ahead is beyond the horizon.
	s := mustNew(t, Config{Timezone: "UTC", Exceptions: []Exception{
		{Date: "2027-03-01", Hours: []string{"10:00-11:00"}},
		{Date: "2031-01-01", Hours: []string{"10:00-11:00"}},
	}})
	sameInstant(t, "NextOpen", s.NextOpen(utc(t, "2026-03-20T12:00:00Z")), utc(t, "2027-03-01T10:00:00Z"))
	sameInstant(t, "NextOpen beyond horizon", s.NextOpen(utc(t, "2027-03-02T00:00:00Z")), time.Time{})
}

func TestAlwaysOpen(t *testing.T) {
	week := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		week[d] = []string{"00:00-24:00"}
	}
	s := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: week})
	tm := utc(t, "2026-03-28T12:00:00Z")
	if !s.IsOpen(tm) || s.NextOpen(tm) != tm {
		t.Error("not open")
	}
	if got := s.NextClose(tm); !got.IsZero() {
		t.Errorf("NextClose = %v, want zero: it never closes", got)
	}
	// Across the spring-forward night business time is real time.
	sameInstant(t, "Add", s.Add(tm, 48*time.Hour), tm.Add(48*time.Hour))
	if w := s.Windows(tm, tm.Add(72*time.Hour)); len(w) != 1 || w[0].End != tm.Add(72*time.Hour) {
		t.Errorf("Windows = %v, want one", w)
	}
}
