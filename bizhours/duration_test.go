package bizhours

import (
	"math/rand"
	"testing"
	"time"
)

func TestAddAndBetween(t *testing.T) {
	s := madrid(t)
	tests := []struct {
		name, from string // Madrid wall clock
		d          time.Duration
		due        string // UTC
	}{
		{"friday 17:00 + 2h is monday 10:00", "2026-03-20 17:00", 2 * time.Hour, "2026-03-23T09:00:00Z"},
		{"ending exactly at close stays on friday", "2026-03-20 16:00", 2 * time.Hour, "2026-03-20T17:00:00Z"},
		{"from the weekend", "2026-03-21 12:00", time.Hour, "2026-03-23T09:00:00Z"},
		{"from before opening", "2026-03-23 07:00", 30 * time.Minute, "2026-03-23T08:30:00Z"},
		{"a whole week", "2026-03-09 09:00", 45 * time.Hour, "2026-03-13T17:00:00Z"},
		{"a week and a nanosecond", "2026-03-09 09:00", 45*time.Hour + 1, "2026-03-16T08:00:00.000000001Z"},
		{"zero is t itself", "2026-03-21 12:00", 0, "2026-03-21T11:00:00Z"},
		{"negative is t itself", "2026-03-23 12:00", -time.Hour, "2026-03-23T11:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := at(t, s, tt.from)
			due := s.Add(from, tt.d)
			sameInstant(t, "Add", due, utc(t, tt.due))
			if want := max(tt.d, 0); s.Between(from, due) != want {
				t.Errorf("Between(from, due) = %v, want %v", s.Between(from, due), want)
			}
		})
	}
	fri, mon := at(t, s, "2026-03-20 17:00"), at(t, s, "2026-03-23 10:00")
	if got := s.Between(fri, mon); got != 2*time.Hour {
		t.Errorf("Between(friday 17:00, monday 10:00) = %v, want 2h", got)
	}
	if got := s.Between(mon, fri); got != 0 {
		t.Errorf("Between reversed = %v, want 0", got)
	}
}

func TestAddLongDuration(t *testing.T) {
	// 10,000 business hours of 45-hour weeks is over four years; the walk
	// is per day, and the answer must still round-trip exactly.
	s := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00"), HolidayCountry: "ES"})
	from := at(t, s, "2026-01-01 00:00")
	due := s.Add(from, 10000*time.Hour)
	if due.Before(from.AddDate(4, 0, 0)) {
		t.Errorf("Add(10000h) = %v, sooner than four years", due)
	}
	if got := s.Between(from, due); got != 10000*time.Hour {
		t.Errorf("Between = %v", got)
	}
}

// propertySchedules cover the shapes that stress the walk: lunch breaks,
// holidays and exceptions, windows joined across midnight and across DST
// changes, and a 24/7 desk.
func propertySchedules(t testing.TB) map[string]*Schedule {
	every := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		every[d] = []string{"00:00-24:00"}
	}
	return map[string]*Schedule{
		"madrid": mustNew(t, Config{
			Timezone: "Europe/Madrid", Weekly: weekdays("09:00-14:00", "15:00-18:00"), HolidayCountry: "ES",
			Holidays: []string{"2026-03-19"},
			Exceptions: []Exception{
				{Date: "2026-12-24", Hours: []string{"09:00-13:00"}},
				{Date: "2026-03-28", Hours: []string{"10:00-24:00"}},
				{Date: "2026-03-29", Hours: []string{"00:00-04:00"}},
			},
		}),
		"new york nights": mustNew(t, Config{Timezone: "America/New_York", Weekly: map[string][]string{
			"friday": {"22:00-24:00"}, "saturday": {"00:00-06:00", "22:00-24:00"}, "sunday": {"00:00-06:00"},
			"wednesday": {"01:00-04:00"},
		}}),
		"around the clock": mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: every}),
	}
}

func TestAddBetweenRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(20260329))
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for name, s := range propertySchedules(t) {
		t.Run(name, func(t *testing.T) {
			for range 2000 {
				from := start.Add(time.Duration(rng.Int63n(int64(3 * 365 * 24 * time.Hour))))
				d := time.Duration(rng.Int63n(int64(300 * time.Hour)))
				due := s.Add(from, d)
				if got := s.Between(from, due); got != d {
					t.Fatalf("Between(%v, Add(%v, %v) = %v) = %v", from, from, d, due, got)
				}
				if d > 0 && !s.IsOpen(due.Add(-time.Nanosecond)) {
					t.Fatalf("Add(%v, %v) = %v follows closed time", from, d, due)
				}
				mid := from.Add(time.Duration(rng.Int63n(int64(due.Sub(from)) + 1)))
				if s.Between(from, mid)+s.Between(mid, due) != d {
					t.Fatalf("Between not additive at %v in [%v, %v)", mid, from, due)
				}
			}
		})
	}
}

func TestNextOpenProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for name, s := range propertySchedules(t) {
		t.Run(name, func(t *testing.T) {
			for range 2000 {
				tm := start.Add(time.Duration(rng.Int63n(int64(3 * 365 * 24 * time.Hour))))
				next := s.NextOpen(tm)
				open := s.IsOpen(tm)
				switch {
				case open && next != tm:
					t.Fatalf("open at %v but NextOpen = %v", tm, next)
				case !s.IsOpen(next):
					t.Fatalf("NextOpen(%v) = %v is closed", tm, next)
				case !open && s.IsOpen(next.Add(-time.Nanosecond)):
					t.Fatalf("NextOpen(%v) = %v, but open a moment before", tm, next)
				case s.Between(tm, next) != 0:
					t.Fatalf("business time before NextOpen(%v)", tm)
				}
				if cl := s.NextClose(tm); !cl.IsZero() && (s.IsOpen(cl) || !s.IsOpen(cl.Add(-time.Nanosecond))) {
					t.Fatalf("NextClose(%v) = %v is not a close", tm, cl)
				}
			}
		})
	}
}
