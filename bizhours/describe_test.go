package bizhours

import "testing"

func TestDescribe(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		en, es string
	}{
		{"weekdays", Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00")},
			"Monday to Friday, 09:00–18:00 (Europe/Madrid)",
			"de lunes a viernes, 09:00–18:00 (Europe/Madrid)"},
		{"lunch break", Config{Timezone: "Europe/Madrid", Weekly: weekdays("15:00-18:00", "09:00-14:00")},
			"Monday to Friday, 09:00–14:00 and 15:00–18:00 (Europe/Madrid)",
			"de lunes a viernes, 09:00–14:00 y 15:00–18:00 (Europe/Madrid)"},
		{"touching ranges read as one", Config{Timezone: "UTC", Weekly: weekdays("09:00-13:00", "13:00-18:00")},
			"Monday to Friday, 09:00–18:00 (UTC)",
			"de lunes a viernes, 09:00–18:00 (UTC)"},
		{"short friday", Config{Timezone: "Europe/Madrid", Weekly: map[string][]string{
			"mon": {"09:00-18:00"}, "tue": {"09:00-18:00"}, "wed": {"09:00-18:00"}, "thu": {"09:00-18:00"},
			"fri": {"08:00-15:00"},
		}},
			"Monday to Thursday, 09:00–18:00; Friday, 08:00–15:00 (Europe/Madrid)",
			"de lunes a jueves, 09:00–18:00; viernes, 08:00–15:00 (Europe/Madrid)"},
		{"irregular", Config{Timezone: "America/New_York", Weekly: map[string][]string{
			"monday": {"09:00-17:00"}, "wednesday": {"09:00-17:00"}, "saturday": {"10:00-12:00"},
		}},
			"Monday and Wednesday, 09:00–17:00; Saturday, 10:00–12:00 (America/New_York)",
			"lunes y miércoles, 09:00–17:00; sábado, 10:00–12:00 (America/New_York)"},
		{"run and a gap", Config{Timezone: "UTC", Weekly: map[string][]string{
			"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "fri": {"09:00-17:00"},
		}},
			"Monday to Wednesday and Friday, 09:00–17:00 (UTC)",
			"de lunes a miércoles y viernes, 09:00–17:00 (UTC)"},
		{"around the clock", Config{Timezone: "UTC", Weekly: map[string][]string{
			"mon": {"00:00-24:00"}, "tue": {"00:00-24:00"}, "wed": {"00:00-24:00"}, "thu": {"00:00-24:00"},
			"fri": {"00:00-24:00"}, "sat": {"00:00-24:00"}, "sun": {"00:00-24:00"},
		}},
			"Every day, 24 hours (UTC)",
			"todos los días, 24 horas (UTC)"},
		{"holidays noted", Config{Timezone: "Europe/Madrid", Weekly: weekdays("09:00-18:00"), HolidayCountry: "ES"},
			"Monday to Friday, 09:00–18:00 (Europe/Madrid), except holidays",
			"de lunes a viernes, 09:00–18:00 (Europe/Madrid), excepto festivos"},
		{"no hours", Config{Timezone: "UTC"},
			"No regular business hours (UTC)",
			"sin horario habitual (UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.cfg)
			for _, c := range []struct{ lang, want string }{
				{"en", tt.en}, {"", tt.en}, {"fr", tt.en}, {"es", tt.es}, {"es-MX", tt.es}, {"ES_es", tt.es},
			} {
				if got := s.Describe(c.lang); got != c.want {
					t.Errorf("Describe(%q) = %q, want %q", c.lang, got, c.want)
				}
			}
		})
	}
}
