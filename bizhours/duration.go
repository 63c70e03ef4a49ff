package bizhours

import "time"

// Add returns the instant at which d of business time has passed since t:
// the due time of an SLA of d started at t. When the business time runs out
// exactly at the end of a window, that end is returned, not the start of the
// next window. It returns t when d <= 0 and the zero time when the schedule
// stops opening before d is used up.
//
// The walk is window by window, so 10,000 business hours cost a few
// thousand steps, not half a million minutes.
func (s *Schedule) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	w := s.walk(t)
	for {
		win, ok := w.next()
		if !ok {
			return time.Time{}
		}
		if !win.End.After(t) {
			continue
		}
		start := later(win.Start, t)
		if avail := win.End.Sub(start); d > avail {
			d -= avail
			continue
		}
		return start.Add(d)
	}
}

// Between returns the business time in [a, b), or 0 when b is not after a.
// It is the inverse of Add: Between(t, Add(t, d)) == d. Like every search
// here, it stops counting at a closure longer than two years.
func (s *Schedule) Between(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	var total time.Duration
	w := s.walk(a)
	for {
		win, ok := w.next()
		if !ok || !win.Start.Before(b) {
			return total
		}
		if win.End.After(a) {
			total += earlier(win.End, b).Sub(later(win.Start, a))
		}
	}
}
