package bizhours

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	calar "github.com/rickar/cal/v2/ar"
	calat "github.com/rickar/cal/v2/at"
	calbe "github.com/rickar/cal/v2/be"
	calbg "github.com/rickar/cal/v2/bg"
	calbr "github.com/rickar/cal/v2/br"
	calca "github.com/rickar/cal/v2/ca"
	calch "github.com/rickar/cal/v2/ch"
	calcz "github.com/rickar/cal/v2/cz"
	calde "github.com/rickar/cal/v2/de"
	caldk "github.com/rickar/cal/v2/dk"
	cales "github.com/rickar/cal/v2/es"
	calfr "github.com/rickar/cal/v2/fr"
	calgb "github.com/rickar/cal/v2/gb"
	calgr "github.com/rickar/cal/v2/gr"
	calhr "github.com/rickar/cal/v2/hr"
	calie "github.com/rickar/cal/v2/ie"
	calit "github.com/rickar/cal/v2/it"
	caljp "github.com/rickar/cal/v2/jp"
	callt "github.com/rickar/cal/v2/lt"
	callv "github.com/rickar/cal/v2/lv"
	calmw "github.com/rickar/cal/v2/mw"
	calnc "github.com/rickar/cal/v2/nc"
	calnl "github.com/rickar/cal/v2/nl"
	calno "github.com/rickar/cal/v2/no"
	calnz "github.com/rickar/cal/v2/nz"
	calpl "github.com/rickar/cal/v2/pl"
	calro "github.com/rickar/cal/v2/ro"
	calru "github.com/rickar/cal/v2/ru"
	calse "github.com/rickar/cal/v2/se"
	calsi "github.com/rickar/cal/v2/si"
	calsk "github.com/rickar/cal/v2/sk"
	calua "github.com/rickar/cal/v2/ua"
	calus "github.com/rickar/cal/v2/us"
	calza "github.com/rickar/cal/v2/za"
)

// countries maps an ISO 3166-1 alpha-2 code to the national holiday list
// that rickar/cal/v2 publishes for it. Only countries with a national list
// are here: Australia (au) has state lists only and ecb is not a country.
// Portugal and Mexico are absent because cal/v2 has no definitions for them;
// operators there list dates under Holidays instead.
//
// Imports are renamed because two-letter package names (at, it, no) would
// clash with identifiers of this package.
var countries = map[string][]*cal.Holiday{
	"AR": calar.Holidays, "AT": calat.Holidays, "BE": calbe.Holidays, "BG": calbg.Holidays,
	"BR": calbr.Holidays, "CA": calca.Holidays, "CH": calch.Holidays, "CZ": calcz.Holidays,
	"DE": calde.Holidays, "DK": caldk.Holidays, "ES": cales.Holidays, "FR": calfr.Holidays,
	"GB": calgb.Holidays, "GR": calgr.Holidays, "HR": calhr.Holidays, "IE": calie.Holidays,
	"IT": calit.Holidays, "JP": caljp.Holidays, "LT": callt.Holidays, "LV": callv.Holidays,
	"MW": calmw.Holidays, "NC": calnc.Holidays, "NL": calnl.Holidays, "NO": calno.Holidays,
	"NZ": calnz.Holidays, "PL": calpl.Holidays, "RO": calro.Holidays, "RU": calru.Holidays,
	"SE": calse.Holidays, "SI": calsi.Holidays, "SK": calsk.Holidays, "UA": calua.Holidays,
	"US": calus.Holidays, "ZA": calza.Holidays,
}

// countryAliases accepts the code people write when it is not the ISO one.
var countryAliases = map[string]string{"UK": "GB"}

// lookupCountry normalises code and returns its holiday list.
func lookupCountry(code string) (string, []*cal.Holiday, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if alias, ok := countryAliases[code]; ok {
		code = alias
	}
	list, ok := countries[code]
	return code, list, ok
}

// Countries lists the codes accepted in Config.HolidayCountry, sorted.
func Countries() []string {
	codes := make([]string, 0, len(countries))
	for c := range countries {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// publicHolidays answers "is this date a public holiday" for one country.
// cal/v2 computes holidays per year, so the dates of a year are computed on
// first use and cached; the cache is what makes a Schedule cheap to build
// (no guess about which years will be asked) yet cheap to query day by day.
type publicHolidays struct {
	list  []*cal.Holiday
	years sync.Map // int year → map[day]struct{}
}

func (p *publicHolidays) contains(d day) bool {
	if p == nil {
		return false
	}
	y, _, _ := d.date()
	set, ok := p.years.Load(y)
	if !ok {
		// Two goroutines may compute the same year; both results are equal,
		// so losing the race costs only the work.
		set, _ = p.years.LoadOrStore(y, p.compute(y))
	}
	_, hit := set.(map[day]struct{})[d]
	return hit
}

// compute collects the holidays falling in year y. Both the actual date and
// the observed (substitute) date close the day: a desk open on Saturdays is
// still shut on a Saturday Christmas, and the Monday off in lieu is a
// holiday too. Neighbouring years are consulted because observance can move
// a date across New Year (a Saturday 1 January is observed on 31 December in
// the US). cal/v2 returns dates in its own DefaultLoc; only the calendar date
// is used, so that global's value does not matter and is never changed.
func (p *publicHolidays) compute(y int) map[day]struct{} {
	set := make(map[day]struct{})
	for year := y - 1; year <= y+1; year++ {
		for _, h := range p.list {
			actual, observed := h.Calc(year)
			for _, t := range [...]time.Time{actual, observed} {
				if t.IsZero() {
					continue
				}
				ty, tm, td := t.Date()
				if ty == y {
					set[dayOf(ty, tm, td)] = struct{}{}
				}
			}
		}
	}
	return set
}
