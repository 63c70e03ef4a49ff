package bizhours

import (
	"testing"
	"time"
)

func benchSchedule(b *testing.B) *Schedule {
	return mustNew(b, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-14:00", "15:00-18:00"), HolidayCountry: "ES"})
}

func BenchmarkNextOpen(b *testing.B) {
	s := benchSchedule(b)
	fri := at(b, s, "2026-03-20 19:00")
	for b.Loop() {
		s.NextOpen(fri)
	}
}

func BenchmarkIsOpen(b *testing.B) {
	s := benchSchedule(b)
	tm := at(b, s, "2026-03-23 10:00")
	for b.Loop() {
		s.IsOpen(tm)
	}
}

func BenchmarkNextOpenClosedMonth(b *testing.B) {
	var closed []Exception
	for d := 1; d <= 31; d++ {
		closed = append(closed, Exception{Date: time.Date(2026, 8, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
	}
	s := mustNew(b, Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00"), Exceptions: closed})
	tm := at(b, s, "2026-07-31 19:00")
	for b.Loop() {
		s.NextOpen(tm)
	}
}

func BenchmarkNextOpenNever(b *testing.B) {
	s := mustNew(b, Config{Timezone: "Europe/Madrid", Weekly: map[string][]string{"monday": {}}})
	tm := at(b, s, "2026-07-31 19:00")
	for b.Loop() {
		s.NextOpen(tm)
	}
}

func BenchmarkAdd200h(b *testing.B) {
	s := benchSchedule(b)
	tm := at(b, s, "2026-03-20 17:00")
	for b.Loop() {
		s.Add(tm, 200*time.Hour)
	}
}

func BenchmarkAdd10000h(b *testing.B) {
	s := benchSchedule(b)
	tm := at(b, s, "2026-03-20 17:00")
	for b.Loop() {
		s.Add(tm, 10000*time.Hour)
	}
}

func BenchmarkWindowsYear(b *testing.B) {
	s := benchSchedule(b)
	from := at(b, s, "2026-01-01 00:00")
	to := from.AddDate(1, 0, 0)
	for b.Loop() {
		s.Windows(from, to)
	}
}

func BenchmarkNextCloseAroundTheClock(b *testing.B) {
	s := propertySchedules(b)["around the clock"]
	tm := at(b, s, "2026-03-20 17:00")
	for b.Loop() {
		s.NextClose(tm)
	}
}
