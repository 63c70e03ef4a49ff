package bizhours

import (
	"slices"
	"sync"
	"testing"
	"time"
)

func TestHolidaysAndExceptions(t *testing.T) {
	base := func(c Config) Config {
		c.Timezone = "Europe/Madrid"
		c.Weekly = weekdays("09:00-18:00")
		return c
	}
	tests := []struct {
		name   string
		cfg    Config
		at     string // Madrid wall clock
		open   bool
		next   string // NextOpen, UTC
		closes string // NextClose, UTC; empty to skip
	}{
		{"explicit holiday closes monday", base(Config{Holidays: []string{"2026-03-23"}}),
			"2026-03-20 19:00", false, "2026-03-24T08:00:00Z", ""},
		{"ES: christmas friday", base(Config{HolidayCountry: "ES"}),
			"2026-12-25 10:00", false, "2026-12-28T08:00:00Z", ""},
		{"ES: christmas eve evening skips to monday", base(Config{HolidayCountry: "ES"}),
			"2026-12-24 19:00", false, "2026-12-28T08:00:00Z", ""},
		{"ES: epiphany tuesday", base(Config{HolidayCountry: "es"}),
			"2026-01-05 19:00", false, "2026-01-07T08:00:00Z", ""},
		{"ES: good friday", base(Config{HolidayCountry: "ES"}),
			"2026-04-02 19:00", false, "2026-04-06T07:00:00Z", ""},
		{"ES: ordinary day before christmas is open", base(Config{HolidayCountry: "ES"}),
			"2026-12-24 10:00", true, "2026-12-24T09:00:00Z", "2026-12-24T17:00:00Z"},
		{"exception reopens a holiday", base(Config{HolidayCountry: "ES",
			Exceptions: []Exception{{Date: "2026-12-25", Hours: []string{"10:00-14:00"}}}}),
			"2026-12-25 11:00", true, "2026-12-25T10:00:00Z", "2026-12-25T13:00:00Z"},
		{"exception reopening a holiday is closed outside its hours", base(Config{HolidayCountry: "ES",
			Exceptions: []Exception{{Date: "2026-12-25", Hours: []string{"10:00-14:00"}}}}),
			"2026-12-25 09:30", false, "2026-12-25T09:00:00Z", "2026-12-25T13:00:00Z"},
		{"exception reopens an explicit holiday", base(Config{Holidays: []string{"2026-03-23"},
			Exceptions: []Exception{{Date: "2026-03-23", Hours: []string{"09:00-12:00"}}}}),
			"2026-03-20 19:00", false, "2026-03-23T08:00:00Z", "2026-03-23T11:00:00Z"},
		{"exception extends friday to 20:00", base(Config{
			Exceptions: []Exception{{Date: "2026-03-20", Hours: []string{"09:00-20:00"}}}}),
			"2026-03-20 19:00", true, "2026-03-20T18:00:00Z", "2026-03-20T19:00:00Z"},
		{"exception closes a weekday", base(Config{
			Exceptions: []Exception{{Date: "2026-03-23"}}}),
			"2026-03-20 19:00", false, "2026-03-24T08:00:00Z", ""},
		{"exception opens a saturday", base(Config{
			Exceptions: []Exception{{Date: "2026-03-21", Hours: []string{"10:00-12:00"}}}}),
			"2026-03-20 19:00", false, "2026-03-21T09:00:00Z", "2026-03-21T11:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.cfg)
			tm := at(t, s, tt.at)
			if got := s.IsOpen(tm); got != tt.open {
				t.Errorf("IsOpen = %v, want %v", got, tt.open)
			}
			sameInstant(t, "NextOpen", s.NextOpen(tm), utc(t, tt.next))
			if tt.closes != "" {
				sameInstant(t, "NextClose", s.NextClose(tm), utc(t, tt.closes))
			}
		})
	}
}

func TestLongClosure(t *testing.T) {
	// August closed day by day, as an operator would write a summer shutdown.
	var closed []Exception
	for d := 1; d <= 31; d++ {
		closed = append(closed, Exception{Date: time.Date(2026, 8, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
	}
	s := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00"), Exceptions: closed})
	from := at(t, s, "2026-07-31 19:00")
	sameInstant(t, "NextOpen", s.NextOpen(from), utc(t, "2026-09-01T07:00:00Z"))
	sameInstant(t, "Add", s.Add(from, time.Hour), utc(t, "2026-09-01T08:00:00Z"))
}

func TestPublicHolidaysOfOtherCountries(t *testing.T) {
	tests := []struct {
		country, date string
		closed        bool
	}{
		{"US", "2026-07-03", true},  // 4 July is a Saturday, observed Friday
		{"US", "2026-11-26", true},  // Thanksgiving
		{"US", "2026-11-27", false}, // the day after is not a federal holiday
		{"GB", "2026-12-28", true},  // Boxing Day is a Saturday, observed Monday
		{"UK", "2026-08-31", true},  // summer bank holiday; UK is taken for GB
		{"DE", "2026-10-05", false},
		{"DE", "2026-05-14", true}, // Ascension
		{"FR", "2026-07-14", true},
		{"IT", "2026-06-02", true},
		{"US", "2027-12-31", true}, // New Year 2028 is a Saturday: observed the year before
	}
	for _, tt := range tests {
		t.Run(tt.country+" "+tt.date, func(t *testing.T) {
			s := mustNew(t, Config{Timezone: "UTC", Weekly: weekdays("09:00-18:00"), HolidayCountry: tt.country})
			if got := !s.IsOpen(at(t, s, tt.date+" 12:00")); got != tt.closed {
				t.Errorf("closed = %v, want %v", got, tt.closed)
			}
		})
	}
}

func TestCountries(t *testing.T) {
	got := Countries()
	for _, want := range []string{"ES", "US", "GB", "DE", "FR", "IT"} {
		if !slices.Contains(got, want) {
			t.Errorf("Countries() lacks %s", want)
		}
	}
	// cal/v2 v2.1.13 has no Portugal or Mexico; say so rather than guess.
	for _, absent := range []string{"PT", "MX"} {
		if _, err := New(Config{Timezone: "UTC", HolidayCountry: absent}); err == nil {
			t.Errorf("HolidayCountry %s accepted", absent)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	// The holiday cache fills lazily; under -race this checks that sharing
	// one Schedule between goroutines is safe.
	s := mustNew(t, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00"), HolidayCountry: "ES"})
	base := at(t, s, "2026-01-01 00:00")
	var wg sync.WaitGroup
	results := make([]time.Time, 8)
	for g := range results {
		wg.Go(func() {
			results[g] = s.Add(base, 2000*time.Hour)
		})
	}
	wg.Wait()
	for _, r := range results[1:] {
		if !r.Equal(results[0]) {
			t.Fatalf("goroutines disagree: %v vs %v", r, results[0])
		}
	}
}
