package bizhours_test

import (
	"fmt"
	"time"

	"github.com/casemail/casemail/bizhours"
)

func Example() {
	s, err := bizhours.New(bizhours.Config{
		Timezone: "Europe/Madrid",
		Weekly: map[string][]string{
			"mon": {"09:00-14:00", "15:00-18:00"}, "tue": {"09:00-14:00", "15:00-18:00"},
			"wed": {"09:00-14:00", "15:00-18:00"}, "thu": {"09:00-14:00", "15:00-18:00"},
			"fri": {"09:00-15:00"},
		},
		HolidayCountry: "ES",
		Exceptions:     []bizhours.Exception{{Date: "2026-12-24", Hours: []string{"09:00-13:00"}}},
	})
	if err != nil {
		panic(err)
	}
	// A reply written on Christmas Eve afternoon waits for Monday 28th:
	// the 25th is a public holiday in Spain.
	written := time.Date(2026, 12, 24, 16, 0, 0, 0, s.Location())
	fmt.Println(s.NextOpen(written).Format(time.DateTime))
	// An eight-hour SLA started then is due on Monday afternoon.
	fmt.Println(s.Add(written, 8*time.Hour).Format(time.DateTime))
	fmt.Println(s.Describe("en"))
	fmt.Println(s.Describe("es"))
	// Output:
	// 2026-12-28 09:00:00
	// 2026-12-28 18:00:00
	// Monday to Thursday, 09:00–14:00 and 15:00–18:00; Friday, 09:00–15:00 (Europe/Madrid), except holidays
	// de lunes a jueves, 09:00–14:00 y 15:00–18:00; viernes, 09:00–15:00 (Europe/Madrid), excepto festivos
}
