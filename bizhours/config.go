package bizhours

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the business-hours block the operator writes. It is plain data
// so that the config package can decode YAML straight onto it; New checks it.
type Config struct {
	// Timezone is an IANA zone name such as "Europe/Madrid". All ranges,
	// holidays and exception dates are read in this zone.
	Timezone string
	// Weekly maps a weekday ("monday".."sunday" or "mon".."sun") to its open
	// ranges, "09:00-13:00", "14:00-18:00". "24:00" is allowed as an end. A
	// day that is missing, or has no ranges, is closed.
	Weekly map[string][]string
	// Holidays are dates ("2026-12-25") on which the desk is closed.
	Holidays []string
	// HolidayCountry is an optional ISO 3166-1 code ("ES") whose national
	// public holidays, as published by github.com/rickar/cal/v2, close the
	// desk too. See Countries for the accepted codes.
	HolidayCountry string
	// Exceptions replace the hours of single dates. They win over holidays
	// and over Weekly, so they can open a holiday or close a working day.
	Exceptions []Exception
}

// Exception replaces the ranges of one date. Empty Hours closes the date.
type Exception struct {
	Date  string
	Hours []string
}

// Problem is one thing wrong with a Config. Field names the offending key
// relative to the business-hours block, e.g. "weekly.monday[1]" or
// "exceptions[0].date"; Fix tells the operator what to write instead.
type Problem struct {
	Field, Problem, Fix string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s (%s)", p.Field, p.Problem, p.Fix)
}

// Error is returned by New and lists every problem found, so an operator
// fixes a configuration in one pass rather than one error per reload.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid business hours: " + strings.Join(parts, "; ")
}

const (
	fixRange = "write HH:MM-HH:MM, e.g. 09:00-18:00; 24:00 is allowed only as an end"
	fixDate  = "write the date as YYYY-MM-DD, e.g. 2026-12-25"
)

var weekdayNames = map[string]time.Weekday{
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"sunday": time.Sunday,
	"mon":    time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// validator gathers problems while the parts of a Config are converted, so
// that every part is checked even after the first failure.
type validator struct {
	problems []Problem
}

func (v *validator) add(field, problem, fix string) {
	v.problems = append(v.problems, Problem{Field: field, Problem: problem, Fix: fix})
}

func (v *validator) location(name string) *time.Location {
	const fix = "use an IANA zone name such as Europe/Madrid or America/New_York"
	switch {
	case strings.TrimSpace(name) == "":
		v.add("timezone", "missing", fix)
		return nil
	case name == "Local":
		// "Local" would make the hours depend on the host the daemon runs on.
		v.add("timezone", `"Local" depends on the host`, fix)
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		v.add("timezone", fmt.Sprintf("unknown time zone %q", name), fix)
		return nil
	}
	return loc
}

// weekly converts Config.Weekly. Keys are visited in weekday order so that
// problems come out in the order the operator reads the week.
func (v *validator) weekly(in map[string][]string) [7][]span {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if wd, ok := weekdayNames[strings.ToLower(strings.TrimSpace(k))]; ok {
			return (int(wd) + 6) % 7 // Monday first
		}
		return 7
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})

	var out [7][]span
	seen := map[time.Weekday]string{}
	for _, k := range keys {
		field := "weekly." + k
		wd, ok := weekdayNames[strings.ToLower(strings.TrimSpace(k))]
		if !ok {
			v.add(field, fmt.Sprintf("unknown weekday %q", k), "use monday..sunday or mon..sun")
			continue
		}
		if prev, dup := seen[wd]; dup {
			v.add(field, fmt.Sprintf("%s is also given as weekly.%s", wd, prev), "keep one of the two keys")
			continue
		}
		seen[wd] = k
		out[wd] = v.ranges(field, in[k])
	}
	return out
}

func (v *validator) holidays(in []string) map[day]struct{} {
	out := make(map[day]struct{}, len(in))
	for i, s := range in {
		d, ok := parseDay(strings.TrimSpace(s))
		if !ok {
			v.add(fmt.Sprintf("holidays[%d]", i), fmt.Sprintf("bad date %q", s), fixDate)
			continue
		}
		out[d] = struct{}{}
	}
	return out
}

func (v *validator) country(code string) *publicHolidays {
	if strings.TrimSpace(code) == "" {
		return nil
	}
	_, list, ok := lookupCountry(code)
	if !ok {
		v.add("holiday_country", fmt.Sprintf("no public holidays known for %q", code),
			"use one of "+strings.Join(Countries(), ", ")+", or leave it empty and list the dates under holidays")
		return nil
	}
	return &publicHolidays{list: list}
}

func (v *validator) exceptions(in []Exception) map[day][]span {
	out := make(map[day][]span, len(in))
	first := map[day]int{}
	for i, e := range in {
		field := fmt.Sprintf("exceptions[%d]", i)
		spans := v.ranges(field+".hours", e.Hours)
		d, ok := parseDay(strings.TrimSpace(e.Date))
		if !ok {
			v.add(field+".date", fmt.Sprintf("bad date %q", e.Date), fixDate)
			continue
		}
		if j, dup := first[d]; dup {
			v.add(field+".date", fmt.Sprintf("%s is also exceptions[%d]", d, j), "merge the two into one exception")
			continue
		}
		first[d] = i
		out[d] = spans
	}
	return out
}

// ranges parses one day's ranges, rejects overlaps and merges ranges that
// touch (13:00-14:00 and 14:00-18:00 are one window), so that a day's spans
// are sorted, disjoint and separated by real gaps.
func (v *validator) ranges(field string, in []string) []span {
	type indexed struct {
		span
		i int
	}
	var got []indexed
	for i, s := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		sp, problem, fix := parseRange(s)
		if problem != "" {
			v.add(f, problem, fix)
			continue
		}
		got = append(got, indexed{sp, i})
	}
	sort.Slice(got, func(a, b int) bool { return got[a].start < got[b].start })

	var out []span
	for k, g := range got {
		if k > 0 && g.start < got[k-1].end {
			prev := got[k-1]
			v.add(fmt.Sprintf("%s[%d]", field, g.i),
				fmt.Sprintf("%q overlaps %s[%d] %q", in[g.i], field, prev.i, in[prev.i]),
				"make the ranges disjoint: start one where the other ends")
			continue
		}
		if n := len(out); n > 0 && out[n-1].end == g.start {
			out[n-1].end = g.end
			continue
		}
		out = append(out, g.span)
	}
	return out
}

// parseRange reads "HH:MM-HH:MM". It returns a problem and its fix instead of
// an error so the caller can attach the field name.
func parseRange(s string) (sp span, problem, fix string) {
	t := strings.TrimSpace(s)
	// Describe prints an en dash; accept it back so a pasted range works.
	t = strings.Replace(t, "–", "-", 1)
	from, to, ok := strings.Cut(t, "-")
	if !ok {
		return span{}, fmt.Sprintf("bad range %q", s), fixRange
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	start, ok1 := parseClock(from)
	end, ok2 := parseClock(to)
	switch {
	case !ok1:
		return span{}, fmt.Sprintf("bad time %q in %q", from, s), fixRange
	case !ok2:
		return span{}, fmt.Sprintf("bad time %q in %q", to, s), fixRange
	case start == 24*60:
		return span{}, fmt.Sprintf("%q starts at 24:00", s), "start the range at 00:00 of the next day"
	case end == start:
		return span{}, fmt.Sprintf("%q is empty", s), "remove it, or give an end after the start"
	case end < start:
		return span{}, fmt.Sprintf("%q ends before it starts", s),
			"a range cannot cross midnight: end the day at 24:00 and start the next at 00:00"
	}
	return span{start: start, end: end}, "", ""
}

// parseClock reads "HH:MM" (or "H:MM") as minutes after midnight; 24:00 is
// accepted so that a day can be open to its very end.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, false
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
