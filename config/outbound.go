package config

import (
	"fmt"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/casemail/casemail/bizhours"
)

// Sending policies per kind of outgoing mail.
const (
	PolicyImmediate     = "immediate"      // leaves as soon as it is queued
	PolicyBusinessHours = "business_hours" // waits for the next business-hours window
)

// Outbound configures delivery through the smarthost and the outbox.
type Outbound struct {
	Smarthost      string        `mapstructure:"smarthost"` // host:port of the relay we send through
	TLS            string        `mapstructure:"tls"`       // required, opportunistic or off
	Username       string        `mapstructure:"username"`  // AUTH PLAIN when set
	Password       string        `mapstructure:"password"`
	Helo           string        `mapstructure:"helo"` // our EHLO name; "" means smtp.hostname
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	CommandTimeout time.Duration `mapstructure:"command_timeout"`
	DataTimeout    time.Duration `mapstructure:"data_timeout"`
	Workers        int           `mapstructure:"workers"` // parallel connections to the smarthost
	RetryMin       time.Duration `mapstructure:"retry_min"`
	RetryMax       time.Duration `mapstructure:"retry_max"`
	MaxAge         time.Duration `mapstructure:"max_age"`
	Ack            string        `mapstructure:"ack"`      // policy for acknowledgements
	Response       string        `mapstructure:"response"` // policy for agent responses
	Update         string        `mapstructure:"update"`   // policy for progress updates
}

// BusinessHours is the support desk's calendar. Exceptions are written
// "2026-12-24 09:00-14:00" (several ranges comma-separated) or
// "2026-12-31 closed".
type BusinessHours struct {
	Timezone       string   `mapstructure:"timezone"`
	Monday         []string `mapstructure:"monday"`
	Tuesday        []string `mapstructure:"tuesday"`
	Wednesday      []string `mapstructure:"wednesday"`
	Thursday       []string `mapstructure:"thursday"`
	Friday         []string `mapstructure:"friday"`
	Saturday       []string `mapstructure:"saturday"`
	Sunday         []string `mapstructure:"sunday"`
	Holidays       []string `mapstructure:"holidays"`
	HolidayCountry string   `mapstructure:"holiday_country"`
	Exceptions     []string `mapstructure:"exceptions"`
}

// Notify configures the mail casemail writes.
type Notify struct {
	DefaultLanguage string `mapstructure:"default_language"` // en or es: customers whose language is unknown, and agents
	TemplateDir     string `mapstructure:"template_dir"`     // overrides for the built-in templates
}

// Bizhours converts the block to bizhours.Config.
func (b BusinessHours) Bizhours() bizhours.Config {
	c := bizhours.Config{
		Timezone: b.Timezone, HolidayCountry: b.HolidayCountry, Holidays: b.Holidays,
		Weekly: map[string][]string{
			"monday": b.Monday, "tuesday": b.Tuesday, "wednesday": b.Wednesday, "thursday": b.Thursday,
			"friday": b.Friday, "saturday": b.Saturday, "sunday": b.Sunday,
		},
	}
	for _, e := range b.Exceptions {
		date, hours, _ := strings.Cut(strings.TrimSpace(e), " ")
		ex := bizhours.Exception{Date: date}
		if h := strings.TrimSpace(hours); h != "" && !strings.EqualFold(h, "closed") {
			for r := range strings.SplitSeq(h, ",") {
				ex.Hours = append(ex.Hours, strings.TrimSpace(r))
			}
		}
		c.Exceptions = append(c.Exceptions, ex)
	}
	return c
}

// Schedule builds the business-hours schedule.
func (b BusinessHours) Schedule() (*bizhours.Schedule, error) {
	return bizhours.New(b.Bizhours())
}

func (o Outbound) validate(ps *problems) {
	listen(ps, "outbound.smarthost", o.Smarthost, "127.0.0.1:25")
	switch o.TLS {
	case "required", "opportunistic", "off":
	default:
		ps.add("outbound.tls", fmt.Sprintf("%q is not a TLS mode", o.TLS), "write required, opportunistic or off")
	}
	if (o.Username == "") != (o.Password == "") {
		ps.add("outbound.username", "is set without outbound.password, or the other way round", "set both for AUTH PLAIN, or neither")
	}
	if o.Username != "" && o.TLS != "required" && !isLoopbackAddr(o.Smarthost) {
		ps.add("outbound.tls", "is not required while a password is sent to a remote smarthost",
			"set outbound.tls: required so the password never crosses the network in clear")
	}
	duration(ps, "outbound.connect_timeout", o.ConnectTimeout, "30s")
	duration(ps, "outbound.command_timeout", o.CommandTimeout, "5m")
	duration(ps, "outbound.data_timeout", o.DataTimeout, "10m")
	duration(ps, "outbound.retry_min", o.RetryMin, "5m")
	duration(ps, "outbound.retry_max", o.RetryMax, "1h")
	duration(ps, "outbound.max_age", o.MaxAge, "120h")
	if o.RetryMin > o.RetryMax && o.RetryMax > 0 {
		ps.add("outbound.retry_min", "is longer than outbound.retry_max", "make retry_min at most retry_max, e.g. 5m and 1h")
	}
	positive(ps, "outbound.workers", o.Workers, 4)
	for key, v := range map[string]string{"outbound.ack": o.Ack, "outbound.response": o.Response, "outbound.update": o.Update} {
		if v != PolicyImmediate && v != PolicyBusinessHours {
			ps.add(key, fmt.Sprintf("%q is not a sending policy", v), "write immediate or business_hours")
		}
	}
}

func (b BusinessHours) validate(ps *problems) {
	_, err := b.Schedule()
	if err == nil {
		return
	}
	be, ok := err.(*bizhours.Error)
	if !ok {
		ps.add("business_hours", err.Error(), "")
		return
	}
	for _, p := range be.Problems {
		ps.add(businessKey(p.Field), p.Problem, p.Fix)
	}
}

// businessKey maps bizhours' field names ("weekly.monday[1]",
// "exceptions[0].date") to the keys the operator wrote.
func businessKey(field string) string {
	f, _, _ := strings.Cut(field, "[")
	f = strings.TrimPrefix(f, "weekly.")
	switch f {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		f = map[string]string{"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
			"fri": "friday", "sat": "saturday", "sun": "sunday"}[f]
	}
	if f == "" {
		return "business_hours"
	}
	return "business_hours." + f
}

func (n Notify) validate(ps *problems) {
	if n.DefaultLanguage != "en" && n.DefaultLanguage != "es" {
		ps.add("notify.default_language", fmt.Sprintf("%q has no templates", n.DefaultLanguage), "write en or es")
	}
	if n.TemplateDir != "" {
		if st, err := os.Stat(n.TemplateDir); err != nil || !st.IsDir() {
			ps.add("notify.template_dir", fmt.Sprintf("%q is not a directory", n.TemplateDir),
				"point it at a directory with en/ and es/ template overrides, or leave it empty for the built-in templates")
		}
	}
}

func validTeamAddress(ps *problems, a string) {
	if a == "" {
		return
	}
	if parsed, err := mail.ParseAddress(a); err != nil || parsed.Address != a {
		ps.add("support.team_address", fmt.Sprintf("%q is not a bare address", a), "write only the address, e.g. team@example.com")
	}
}
