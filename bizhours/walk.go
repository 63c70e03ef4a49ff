package bizhours

import (
	"slices"
	"time"
)

// horizonDays bounds every search: a walk that meets this many consecutive
// closed days stops, and the schedule is treated as never opening again.
// Two years (with a leap day) is far beyond any real closure yet keeps a
// schedule that never opens from looping forever.
const horizonDays = 731

// walker yields a schedule's windows in order, day by day, from the day
// before a given instant. Windows it yields are sorted and disjoint, but
// not joined: a window ending at 24:00 and the next day's starting at 00:00
// come out as two. Cost is one step per calendar day, never per minute, and
// windows are computed as they are consumed so that a walker needs no
// buffer and stays on the caller's stack.
type walker struct {
	s     *Schedule
	from  day    // next date to examine
	spans []span // ranges of the date being consumed
	i     int    // next range in spans
	y     int    // the date being consumed
	m     time.Month
	dd    int
	// midnight is the date's local midnight when one UTC offset holds all
	// day (steady), which turns every bound into an addition.
	midnight time.Time
	steady   bool
}

// walk starts a walker that yields every window ending after t (and
// possibly a few ending before it, which callers skip). It starts a day
// early because the previous date's window can end at t's midnight or,
// after a DST gap, just after it.
func (s *Schedule) walk(t time.Time) walker {
	return walker{s: s, from: dayAt(t, s.loc) - 1}
}

func (w *walker) next() (Window, bool) {
	for {
		for w.i < len(w.spans) {
			sp := w.spans[w.i]
			w.i++
			win := Window{Start: w.instant(sp.start), End: w.instant(sp.end)}
			// Bounds are monotonic (see wallClock), so windows are in order
			// and disjoint; a range wholly inside a DST gap is empty.
			if win.Start.Before(win.End) {
				return win, true
			}
		}
		if !w.advance() {
			return Window{}, false
		}
	}
}

// advance moves to the next date that has ranges, giving up after
// horizonDays closed days. A schedule with no weekly hours is open only on
// exception dates, so it jumps straight to the next one instead of stepping.
func (w *walker) advance() bool {
	limit := w.from + horizonDays
	for w.from < limit {
		d := w.from
		if !w.s.openWeekly {
			dates := w.s.openDates
			k, _ := slices.BinarySearch(dates, d)
			if k == len(dates) || dates[k] >= limit {
				return false
			}
			d = dates[k]
		}
		w.from = d + 1
		if spans := w.s.spans(d); len(spans) > 0 {
			w.spans, w.i = spans, 0
			w.y, w.m, w.dd = d.date()
			w.midnight, w.steady = steadyMidnight(d, w.s.loc)
			return true
		}
	}
	return false
}

// instant resolves min minutes after midnight of the current date.
func (w *walker) instant(min int) time.Time {
	if w.steady {
		return w.midnight.Add(time.Duration(min) * time.Minute)
	}
	return wallClock(w.y, w.m, w.dd, min, w.s.loc)
}

// steadyMidnight returns local midnight at the start of date d, and whether
// one UTC offset holds from then to the next midnight inclusive. That is
// every day but the few with a zone transition, and it saves the several
// zone lookups per bound that wallClock needs.
func steadyMidnight(d day, loc *time.Location) (time.Time, bool) {
	wall := int64(d) * secondsPerDay
	_, guess := time.Unix(wall, 0).In(loc).Zone()
	t := time.Unix(wall-int64(guess), 0).In(loc)
	if _, off := t.Zone(); off != guess {
		return time.Time{}, false
	}
	if _, end := t.ZoneBounds(); !end.IsZero() && !t.Add(24*time.Hour).Before(end) {
		return time.Time{}, false
	}
	return t, true
}

// wallClock returns the first instant at which the wall clock in loc reads
// min minutes after midnight of y-m-d, or later. Outside DST changes that is
// plain time.Date. In a gap (02:30 on a spring-forward night) it is the
// instant the clocks jump, so 01:00-04:00 lasts its real two hours in New
// York on 8 March 2026. In an overlap it is the first occurrence, so
// 01:00-04:00 lasts four hours on 1 November. time.Date alone does not
// guarantee either: which occurrence it picks differs east and west of UTC.
// Being monotonic, it also keeps a day ending at 24:00 touching the next
// starting at 00:00.
func wallClock(y int, m time.Month, d, min int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, min/60, min%60, 0, 0, loc)
	want := time.Date(y, m, d, min/60, min%60, 0, 0, time.UTC).Unix()
	_, off := t.Zone()
	wall := t.Unix() + int64(off)
	start, end := t.ZoneBounds()
	switch {
	case wall > want: // in a gap, resolved past it: the gap ends at start
		return start
	case wall < want: // in a gap, resolved before it: the gap starts at end
		return end
	case start.IsZero():
		return t
	}
	// The wall clock may have shown the same time in the previous zone
	// period, if that period's offset was larger (clocks went back).
	_, prev := start.Add(-time.Second).Zone()
	if prev > off {
		if c := t.Add(-time.Duration(prev-off) * time.Second); c.Before(start) {
			return c
		}
	}
	return t
}

// merger joins the walker's touching windows into continuous ones, for
// callers that need to know where open time really ends.
type merger struct {
	w    walker
	peek Window
	has  bool
}

func (s *Schedule) merged(t time.Time) merger {
	return merger{w: s.walk(t)}
}

func (m *merger) pull() (Window, bool) {
	if m.has {
		m.has = false
		return m.peek, true
	}
	return m.w.next()
}

// next returns the next continuous window. Joining stops once the window
// reaches limit, so a schedule open around the clock returns instead of
// joining days forever.
func (m *merger) next(limit time.Time) (Window, bool) {
	cur, ok := m.pull()
	if !ok {
		return cur, false
	}
	for cur.End.Before(limit) {
		nx, ok := m.pull()
		if !ok {
			break
		}
		if !nx.Start.Equal(cur.End) {
			m.peek, m.has = nx, true
			break
		}
		cur.End = nx.End
	}
	return cur, true
}
