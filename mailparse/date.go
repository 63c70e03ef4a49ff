package mailparse

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// dateLayouts are the shapes seen in real Date headers that RFC 5322
// section 3.3 (and so net/mail) does not accept: a missing zone, a 12-hour
// clock, US month-first dates, ISO dates from scripts, day-first numeric
// dates from web forms. The weekday is stripped before they are tried.
var dateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 2006 3:04:05 PM -0700",
	"2 Jan 2006 3:04:05 PM MST",
	"2 Jan 2006 3:04:05 PM",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05",
	"Jan 2 2006 15:04:05 -0700",
	"Jan 2 15:04:05 2006",
	"Jan 2 15:04:05 MST 2006",
	"Jan 2, 2006 3:04:05 PM",
	"Jan 2, 2006 3:04 PM",
	"January 2, 2006 3:04:05 PM",
	"January 2, 2006 3:04 PM",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"02-01-2006 15:04:05",
	"02-01-2006 15:04",
	"02.01.2006 15:04:05",
	"02.01.2006 15:04",
}

var (
	reComment  = regexp.MustCompile(`\([^()]*\)`)
	reWeekday  = regexp.MustCompile(`(?i)^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*`)
	reCommaGap = regexp.MustCompile(`,(\S)`)
)

// parseDate parses a Date header leniently. ok is false for a date that
// cannot be read at all, which the caller records as the zero time.
func parseDate(v string) (t time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	v = strings.Trim(v, `'"`)
	v = strings.ReplaceAll(v, "&#43;", "+") // HTML-escaped by a web form
	v = reComment.ReplaceAllString(v, " ")
	v = reCommaGap.ReplaceAllString(v, ", $1")
	v = reWeekday.ReplaceAllString(strings.TrimSpace(v), "")
	v = strings.Join(strings.Fields(v), " ")
	if t, err := mail.ParseDate(v); err == nil {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	// A trailing zone name after a numeric zone ("+0200 CEST") or junk
	// after the time: retry without the last word.
	if i := strings.LastIndexByte(v, ' '); i > 0 {
		w := v[:i]
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, w); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
