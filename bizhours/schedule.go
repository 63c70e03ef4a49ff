// Package bizhours owns business-hours calendar math: whether the support
// desk is open at an instant, when it next opens or closes, and how much
// business time lies between two instants or after one. The outbox uses
// NextOpen to hold replies until the desk opens; SLA clocks use Add and
// Between so that only business time counts.
//
// A Schedule is built from a Config (IANA time zone, weekly ranges,
// holidays, dated exceptions) and is immutable: on reload the caller builds
// a new one and swaps it. The package never reads the clock; every instant
// is an argument, which keeps it pure and lets tests pin time exactly.
//
// Ranges are wall-clock times in the schedule's zone. Each bound is the
// first instant the wall clock shows that time or later, so a 09:00-18:00
// day is always nine hours, while a range that spans a DST change has its
// real length: 01:00-04:00 is two hours on a spring-forward night in New
// York and four on a fall-back night. Windows that touch,
// within a day or across midnight, are one continuous window.
package bizhours

import (
	"slices"
	"time"
)

// span is one open range of a day in minutes after local midnight,
// end exclusive; end may be 24*60.
type span struct {
	start, end int
}

// Window is a half-open interval [Start, End) during which the desk is open.
type Window struct {
	Start, End time.Time
}

// Schedule answers business-hours questions. It is immutable and safe for
// concurrent use.
type Schedule struct {
	loc        *time.Location
	weekly     [7][]span        // indexed by time.Weekday
	exceptions map[day][]span   // an entry with no spans closes the date
	holidays   map[day]struct{} // explicit closed dates
	public     *publicHolidays  // nil without HolidayCountry
	openWeekly bool             // some weekday has hours
	openDates  []day            // sorted exception dates with hours
}

// New checks c and builds a Schedule. On failure the error is an *Error
// listing every problem found.
func New(c Config) (*Schedule, error) {
	var v validator
	s := &Schedule{
		loc:        v.location(c.Timezone),
		weekly:     v.weekly(c.Weekly),
		holidays:   v.holidays(c.Holidays),
		public:     v.country(c.HolidayCountry),
		exceptions: v.exceptions(c.Exceptions),
	}
	if len(v.problems) > 0 {
		return nil, &Error{Problems: v.problems}
	}
	for _, spans := range s.weekly {
		s.openWeekly = s.openWeekly || len(spans) > 0
	}
	for d, spans := range s.exceptions {
		if len(spans) > 0 {
			s.openDates = append(s.openDates, d)
		}
	}
	slices.Sort(s.openDates)
	return s, nil
}

// Location is the zone the schedule's wall-clock ranges are read in.
func (s *Schedule) Location() *time.Location { return s.loc }

// spans returns the open ranges of date d: an exception if there is one,
// else nothing on a holiday, else the weekly ranges.
func (s *Schedule) spans(d day) []span {
	if sp, ok := s.exceptions[d]; ok {
		return sp
	}
	weekly := s.weekly[d.weekday()]
	if len(weekly) == 0 {
		return nil // closed anyway; skip the holiday lookups
	}
	if _, ok := s.holidays[d]; ok || s.public.contains(d) {
		return nil
	}
	return weekly
}

// IsOpen reports whether t falls inside an open window.
func (s *Schedule) IsOpen(t time.Time) bool {
	w, ok := s.firstAfter(t)
	return ok && !w.Start.After(t)
}

// NextOpen returns t itself when the desk is open at t, otherwise the start
// of the next window. It returns the zero time when the schedule does not
// open within two years.
func (s *Schedule) NextOpen(t time.Time) time.Time {
	w, ok := s.firstAfter(t)
	switch {
	case !ok:
		return time.Time{}
	case w.Start.After(t):
		return w.Start
	default:
		return t
	}
}

// NextClose returns the end of the window open at t or, when closed at t,
// the end of the next window: the instant held work stops being sendable.
// Touching windows count as one, so a desk open 24/7 never closes; NextClose
// returns the zero time when no close falls within two years.
func (s *Schedule) NextClose(t time.Time) time.Time {
	limit := t.AddDate(0, 0, horizonDays)
	m := s.merged(t)
	for {
		w, ok := m.next(limit)
		if !ok || !w.End.Before(limit) {
			return time.Time{}
		}
		if w.End.After(t) {
			return w.End
		}
	}
}

// Windows returns the open windows intersecting [from, to), clipped to it,
// with touching windows joined.
func (s *Schedule) Windows(from, to time.Time) []Window {
	if !from.Before(to) {
		return nil
	}
	var out []Window
	m := s.merged(from)
	for {
		w, ok := m.next(to)
		if !ok || !w.Start.Before(to) {
			return out
		}
		if !w.End.After(from) {
			continue
		}
		out = append(out, Window{Start: later(w.Start, from), End: earlier(w.End, to)})
	}
}

// firstAfter returns the first window that ends after t.
func (s *Schedule) firstAfter(t time.Time) (Window, bool) {
	w := s.walk(t)
	for {
		win, ok := w.next()
		if !ok || win.End.After(t) {
			return win, ok
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
