package bizhours

import "time"

// day is a calendar date with no time zone: the number of days since
// 1970-01-01 in the proleptic Gregorian calendar. Holidays and exceptions are
// dates "in the schedule's timezone", so they are kept zone-free and only
// turned into instants, with time.Date in the schedule's location, when a
// day's windows are built. An integer makes "the next day" an increment and
// a date a cheap map key.
type day int64

const secondsPerDay = 24 * 60 * 60

func dayOf(y int, m time.Month, d int) day {
	// UTC midnight is an exact multiple of a day, so the division is exact
	// for dates before 1970 too.
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// dayAt is the calendar date of instant t as seen in loc.
func dayAt(t time.Time, loc *time.Location) day {
	y, m, d := t.In(loc).Date()
	return dayOf(y, m, d)
}

func (d day) date() (int, time.Month, int) {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
}

func (d day) weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (int64(d) + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

func (d day) String() string {
	return time.Unix(int64(d)*secondsPerDay, 0).UTC().Format(time.DateOnly)
}

// parseDay reads a YYYY-MM-DD date as written in the configuration.
func parseDay(s string) (day, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return dayOf(t.Date()), true
}
