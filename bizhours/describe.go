package bizhours

import (
	"fmt"
	"strings"
	"time"
)

// phrases holds the words of one language for Describe.
type phrases struct {
	days     [7]string // Monday first
	everyDay string
	run      string // first and last day of a run of three or more: "%s to %s"
	and      string // last separator of a list
	allDay   string // a 00:00-24:00 day
	closed   string
	holidays string // appended when holidays close the desk
}

var (
	english = phrases{
		days:     [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
		everyDay: "Every day",
		run:      "%s to %s",
		and:      " and ",
		allDay:   "24 hours",
		closed:   "No regular business hours",
		holidays: ", except holidays",
	}
	spanish = phrases{
		days:     [7]string{"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
		everyDay: "todos los días",
		run:      "de %s a %s",
		and:      " y ",
		allDay:   "24 horas",
		closed:   "sin horario habitual",
		holidays: ", excepto festivos",
	}
)

// Describe summarises the weekly hours for acknowledgements, in English
// ("en", the default) or Spanish ("es", "es-MX", ...):
//
//	Monday to Friday, 09:00–18:00 (Europe/Madrid)
//	de lunes a viernes, 09:00–14:00 y 15:00–18:00 (Europe/Madrid)
//	Monday to Thursday, 09:00–18:00; Friday, 08:00–15:00 (Europe/Madrid)
//
// Days with the same hours are grouped; ", except holidays" is added when
// holidays are configured. Dated exceptions are not described: they are
// one-off, and an acknowledgement states the usual hours.
func (s *Schedule) Describe(lang string) string {
	p := &english
	if base, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(lang), "_", "-"), "-"); base == "es" {
		p = &spanish
	}

	type group struct {
		hours string
		days  []int // 0 = Monday
	}
	var groups []group
next:
	for i := range 7 {
		spans := s.weekly[time.Weekday((i+1)%7)]
		if len(spans) == 0 {
			continue
		}
		h := p.hours(spans)
		for g := range groups {
			if groups[g].hours == h {
				groups[g].days = append(groups[g].days, i)
				continue next
			}
		}
		groups = append(groups, group{hours: h, days: []int{i}})
	}

	var b strings.Builder
	if len(groups) == 0 {
		b.WriteString(p.closed)
	}
	for i, g := range groups {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.dayList(g.days))
		b.WriteString(", ")
		b.WriteString(g.hours)
	}
	fmt.Fprintf(&b, " (%s)", s.loc)
	if s.public != nil || len(s.holidays) > 0 {
		b.WriteString(p.holidays)
	}
	return b.String()
}

// dayList names sorted weekday indexes, folding runs of three or more into
// "Monday to Friday" so that a regular week reads naturally and an
// irregular one is listed day by day.
func (p *phrases) dayList(days []int) string {
	if len(days) == 7 {
		return p.everyDay
	}
	var items []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[j]+1 {
			j++
		}
		if j-i >= 2 {
			items = append(items, fmt.Sprintf(p.run, p.days[days[i]], p.days[days[j]]))
		} else {
			for k := i; k <= j; k++ {
				items = append(items, p.days[days[k]])
			}
		}
		i = j + 1
	}
	return p.list(items)
}

func (p *phrases) hours(spans []span) string {
	if len(spans) == 1 && spans[0] == (span{0, 24 * 60}) {
		return p.allDay
	}
	items := make([]string, len(spans))
	for i, sp := range spans {
		items[i] = fmt.Sprintf("%02d:%02d–%02d:%02d", sp.start/60, sp.start%60, sp.end/60, sp.end%60)
	}
	return p.list(items)
}

// list joins "a, b and c".
func (p *phrases) list(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + p.and + items[len(items)-1]
}
