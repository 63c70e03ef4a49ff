// Package config owns casemail's settings: the typed Config, loading it from
// a YAML file (or the built-in example) with CASEMAIL_* environment
// overrides, and validating it so that every problem names its key and the
// fix. It is the only package that imports viper; other packages take small
// Options structs that cmd fills from a Config.
package config

import (
	"log/slog"
	"net"
	"strings"
	"time"
)

// Config is the whole of casemail's settings, one field per section of the
// YAML file. config.example.yaml documents every key with its default.
type Config struct {
	Support   Support   `mapstructure:"support"`
	Threading Threading `mapstructure:"threading"`
	SMTP      SMTP      `mapstructure:"smtp"`
	LMTP      LMTP      `mapstructure:"lmtp"`
	Store     Store     `mapstructure:"store"`
	Admin     Admin     `mapstructure:"admin"`
	Parse     Parse     `mapstructure:"parse"`
	Log       Log       `mapstructure:"log"`

	Outbound      Outbound      `mapstructure:"outbound"`
	BusinessHours BusinessHours `mapstructure:"business_hours"`
	Notify        Notify        `mapstructure:"notify"`

	Agents     Agents     `mapstructure:"agents"`
	Accounts   Accounts   `mapstructure:"accounts"`
	SLA        SLA        `mapstructure:"sla"`
	Resolution Resolution `mapstructure:"resolution"`
}

// Support says who we are to customers.
type Support struct {
	// Addresses are the mailboxes that open cases; we reply from the first.
	Addresses []string `mapstructure:"addresses"`
	// Name is the display name on mail we send.
	Name string `mapstructure:"name"`
	// Hostname is the right-hand side of Message-IDs we generate; empty
	// means the domain of the first address (see Host).
	Hostname string `mapstructure:"hostname"`
	// TeamAddress is told when mail to a customer fails permanently; ""
	// records the failure on the case only.
	TeamAddress string `mapstructure:"team_address"`
}

// Host returns the host for Message-IDs we generate: Hostname when set,
// otherwise the domain of the first support address.
func (s Support) Host() string {
	if s.Hostname != "" || len(s.Addresses) == 0 {
		return s.Hostname
	}
	a := s.Addresses[0]
	return a[strings.LastIndexByte(a, '@')+1:]
}

// Threading holds the secret that signs reply tokens.
type Threading struct {
	// TokenKey signs the +token in reply addresses. Empty means a random key
	// is generated on first start and kept in the store.
	TokenKey string `mapstructure:"token_key"`
}

// SMTP configures the inbound SMTP listener and its limits.
type SMTP struct {
	Listen          string        `mapstructure:"listen"`
	Hostname        string        `mapstructure:"hostname"` // our name in the greeting and EHLO reply
	MaxMessageBytes int64         `mapstructure:"max_message_bytes"`
	MaxRecipients   int           `mapstructure:"max_recipients"`
	MaxLineLength   int           `mapstructure:"max_line_length"`
	ReadTimeout     time.Duration `mapstructure:"read_timeout"`
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`
	TLSCert         string        `mapstructure:"tls_cert"` // PEM file; with TLSKey enables STARTTLS
	TLSKey          string        `mapstructure:"tls_key"`
	// StopTimeout bounds how long a stop waits for sessions in flight.
	StopTimeout time.Duration `mapstructure:"stop_timeout"`
	// Limits against floods and slow clients (RFC 5321 section 4.5.3).
	MaxConns          int           `mapstructure:"max_conns"`
	MaxConnsPerIP     int           `mapstructure:"max_conns_per_ip"`
	ConnRatePerMinute int           `mapstructure:"conn_rate_per_minute"`
	DataTimeout       time.Duration `mapstructure:"data_timeout"`
	MinDataRate       int           `mapstructure:"min_data_rate"`
	MaxHeaderBytes    int           `mapstructure:"max_header_bytes"`
	MaxReceived       int           `mapstructure:"max_received"`
}

// LMTP configures the optional LMTP listener a local MTA delivers to.
type LMTP struct {
	// Listen is "" (off), "host:port", "unix:/path/sock" or an absolute
	// socket path.
	Listen string `mapstructure:"listen"`
}

// Network splits Listen into the arguments of net.Listen: ("unix", path) for
// "unix:/path" and absolute paths, ("tcp", host:port) otherwise. It returns
// empty strings when LMTP is off.
func (l LMTP) Network() (network, address string) {
	switch {
	case l.Listen == "":
		return "", ""
	case strings.HasPrefix(l.Listen, "unix:"):
		return "unix", strings.TrimPrefix(l.Listen, "unix:")
	case strings.HasPrefix(l.Listen, "/"):
		return "unix", l.Listen
	default:
		return "tcp", l.Listen
	}
}

// Store locates the bbolt database.
type Store struct {
	Path string `mapstructure:"path"`
	// LockTimeout bounds the wait for bbolt's file lock, so a second
	// instance fails instead of hanging.
	LockTimeout time.Duration `mapstructure:"lock_timeout"`
}

// Admin configures the HTTP admin API.
type Admin struct {
	Listen string `mapstructure:"listen"`
	// Token is the bearer token the API requires; mandatory when Listen is
	// reachable from other hosts.
	Token string `mapstructure:"token"`
}

// IsLoopback reports whether Listen binds only to the loopback interface.
// An empty host (all interfaces) and host names other than "localhost" count
// as not loopback: we cannot know where they resolve, so we assume the worst.
func (a Admin) IsLoopback() bool { return isLoopbackAddr(a.Listen) }

// isLoopbackAddr reports whether host:port names the loopback interface.
func isLoopbackAddr(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Parse bounds the MIME parser so a hostile message cannot exhaust memory.
type Parse struct {
	MaxDepth int `mapstructure:"max_depth"` // multipart nesting
	MaxParts int `mapstructure:"max_parts"` // parts in one message
}

// Log configures log/slog output.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn or error
	Format string `mapstructure:"format"` // text or json
}

// SlogLevel maps Level to a slog.Level; an unknown level (which Validate
// rejects) means info.
func (l Log) SlogLevel() slog.Level {
	switch strings.ToLower(l.Level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// Default returns the code defaults, the same values config.example.yaml
// documents (a test keeps the two equal).
func Default() *Config {
	return &Config{
		Support: Support{
			Addresses: []string{"support@example.com"},
			Name:      "Example Support",
		},
		SMTP: SMTP{
			Listen:          "127.0.0.1:2525",
			Hostname:        "localhost",
			MaxMessageBytes: 25 << 20,
			MaxRecipients:   50,
			MaxLineLength:   2000,
			ReadTimeout:     5 * time.Minute,
			WriteTimeout:    time.Minute,
			StopTimeout:     30 * time.Second,
			MaxConns:        100, MaxConnsPerIP: 30, ConnRatePerMinute: 60,
			DataTimeout: 10 * time.Minute, MinDataRate: 1024, MaxHeaderBytes: 1 << 20, MaxReceived: 50,
		},
		Store: Store{Path: "./data/casemail.db", LockTimeout: 2 * time.Second},
		Admin: Admin{Listen: "127.0.0.1:8025"},
		Parse: Parse{MaxDepth: 30, MaxParts: 1000},
		Log:   Log{Level: "info", Format: "text"},
		Outbound: Outbound{
			Smarthost: "127.0.0.1:25", TLS: "opportunistic",
			ConnectTimeout: 30 * time.Second, CommandTimeout: 5 * time.Minute, DataTimeout: 10 * time.Minute,
			Workers: 4, RetryMin: 5 * time.Minute, RetryMax: time.Hour, MaxAge: 120 * time.Hour,
			Ack: PolicyImmediate, Response: PolicyBusinessHours, Update: PolicyBusinessHours,
		},
		BusinessHours: BusinessHours{
			Timezone: "Europe/Madrid",
			Monday:   []string{"09:00-18:00"}, Tuesday: []string{"09:00-18:00"}, Wednesday: []string{"09:00-18:00"},
			Thursday: []string{"09:00-18:00"}, Friday: []string{"09:00-18:00"}, Saturday: []string{}, Sunday: []string{},
			Holidays: []string{}, Exceptions: []string{},
		},
		Notify:   Notify{DefaultLanguage: "en"},
		Agents:   Agents{List: []string{}, TrustedAuthServIDs: []string{}, CustomerDMARC: "mark"},
		Accounts: Accounts{List: []string{}},
		SLA: SLA{
			StandardFirstResponse: 8 * time.Hour, StandardUpdateEvery: 18 * time.Hour, StandardResolution: 45 * time.Hour,
			PremiumFirstResponse: 2 * time.Hour, PremiumUpdateEvery: 9 * time.Hour, PremiumResolution: 27 * time.Hour,
			RemindBefore: time.Hour,
		},
		Resolution: Resolution{CloseAfterDays: 5, RemindAfterDays: 3, ReopenWindow: 14 * 24 * time.Hour},
	}
}

// redacted replaces secrets in Redacted's output.
const redacted = "<redacted>"

// Redacted returns a copy safe to log: the token key and admin token, when
// set, are replaced by "<redacted>". Empty secrets stay empty, since "not
// set" is worth seeing and gives nothing away.
func (c *Config) Redacted() *Config {
	r := *c
	r.Support.Addresses = append([]string(nil), c.Support.Addresses...)
	if r.Threading.TokenKey != "" {
		r.Threading.TokenKey = redacted
	}
	if r.Admin.Token != "" {
		r.Admin.Token = redacted
	}
	if r.Outbound.Password != "" {
		r.Outbound.Password = redacted
	}
	return &r
}
