package bizhours

import (
	"errors"
	"strings"
	"testing"
)

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Config{
		Timezone: "Europe/Madird",
		Weekly: map[string][]string{
			"monday":  {"09:00-13:00", "12:00-15:00"},
			"mon":     {"09:00-18:00"},
			"tuesday": {"18:00-09:00"},
			"wed":     {"9-18", "09:00-25:00", "24:00-24:00", "10:60-11:00"},
			"thu":     {"10:00-10:00"},
			"funday":  {"09:00-18:00"},
		},
		Holidays:       []string{"2026-12-25", "2026-02-30", "25/12/2026"},
		HolidayCountry: "XX",
		Exceptions: []Exception{
			{Date: "tomorrow"},
			{Date: "2026-12-24", Hours: []string{"nine to five"}},
			{Date: "2026-12-24", Hours: []string{"09:00-13:00"}},
		},
	})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("New error = %v, want *Error", err)
	}
	want := []string{
		"timezone",
		"weekly.monday", // Monday given twice; "mon" sorts first and wins
		"weekly.tuesday[0]",
		"weekly.wed[0]", "weekly.wed[1]", "weekly.wed[2]", "weekly.wed[3]",
		"weekly.thu[0]",
		"weekly.funday",
		"holidays[1]", "holidays[2]",
		"holiday_country",
		"exceptions[0].date",
		"exceptions[1].hours[0]",
		"exceptions[2].date",
	}
	var got []string
	for _, p := range e.Problems {
		got = append(got, p.Field)
		if p.Problem == "" || p.Fix == "" {
			t.Errorf("%s: problem %q, fix %q: both must be set", p.Field, p.Problem, p.Fix)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fields:\n got %v\nwant %v", got, want)
	}
	for _, p := range e.Problems {
		t.Logf("%s", p)
	}
}

func TestNewProblems(t *testing.T) {
	valid := func(mod func(*Config)) Config {
		c := Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00")}
		mod(&c)
		return c
	}
	tests := []struct {
		name              string
		cfg               Config
		field, say, fixed string // fixed: a word the fix must contain
	}{
		{"missing zone", valid(func(c *Config) { c.Timezone = "" }), "timezone", "missing", "IANA"},
		{"unknown zone", valid(func(c *Config) { c.Timezone = "Mars/Olympus" }), "timezone", "Mars/Olympus", "IANA"},
		{"host zone", valid(func(c *Config) { c.Timezone = "Local" }), "timezone", "host", "IANA"},
		{"overlap", valid(func(c *Config) { c.Weekly["friday"] = []string{"14:00-18:00", "09:00-15:00"} }),
			"weekly.friday[0]", "overlaps weekly.friday[1]", "disjoint"},
		{"end before start", valid(func(c *Config) { c.Weekly["sat"] = []string{"22:00-02:00"} }),
			"weekly.sat[0]", "ends before it starts", "24:00"},
		{"bad syntax", valid(func(c *Config) { c.Weekly["sun"] = []string{"09.00-18.00"} }),
			"weekly.sun[0]", `bad time "09.00"`, "HH:MM-HH:MM"},
		{"no dash", valid(func(c *Config) { c.Weekly["sun"] = []string{"09:00"} }),
			"weekly.sun[0]", "bad range", "HH:MM-HH:MM"},
		{"starts at 24:00", valid(func(c *Config) { c.Weekly["sun"] = []string{"24:00-24:00"} }),
			"weekly.sun[0]", "starts at 24:00", "00:00"},
		{"unknown weekday", valid(func(c *Config) { c.Weekly["lunes"] = nil }),
			"weekly.lunes", "unknown weekday", "monday"},
		{"bad holiday", valid(func(c *Config) { c.Holidays = []string{"2026-12-32"} }),
			"holidays[0]", "bad date", "YYYY-MM-DD"},
		{"unknown country", valid(func(c *Config) { c.HolidayCountry = "PT" }),
			"holiday_country", `"PT"`, "ES"},
		{"bad exception date", valid(func(c *Config) { c.Exceptions = []Exception{{Date: "2026-1-5"}} }),
			"exceptions[0].date", "bad date", "YYYY-MM-DD"},
		{"overlapping exception hours", valid(func(c *Config) {
			c.Exceptions = []Exception{{Date: "2026-01-05", Hours: []string{"09:00-12:00", "11:00-13:00"}}}
		}), "exceptions[0].hours[1]", "overlaps", "disjoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) != 1 {
				t.Fatalf("New = %v, want one problem", err)
			}
			p := e.Problems[0]
			if p.Field != tt.field || !strings.Contains(p.Problem, tt.say) || !strings.Contains(p.Fix, tt.fixed) {
				t.Errorf("got %s; want field %s, problem containing %q, fix containing %q", p, tt.field, tt.say, tt.fixed)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("Error() = %q does not name the field", err)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	s, err := New(Config{
		Timezone: "America/New_York",
		Weekly: map[string][]string{
			"Monday":    {"9:00-13:00", " 13:00 - 18:00 "}, // touching: one window
			"tue":       {"09:00–18:00"},                   // en dash, as Describe prints
			"wednesday": {"00:00-24:00"},
			"thursday":  {},
		},
		Holidays:       []string{"2026-07-03"},
		HolidayCountry: "us",
		Exceptions:     []Exception{{Date: "2026-07-03", Hours: []string{"10:00-12:00"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.weekly[1]; len(got) != 1 || got[0] != (span{9 * 60, 18 * 60}) {
		t.Errorf("monday = %v, want one 09:00-18:00 span", got)
	}
	if got := s.Location().String(); got != "America/New_York" {
		t.Errorf("Location = %s", got)
	}
}
