package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Minimum lengths for secrets: below these a token can be guessed.
const (
	minTokenKey   = 32
	minAdminToken = 16
)

// Validate checks c and returns an *Error naming every bad key and its fix,
// or nil. It loads the TLS key pair, so it touches the file system.
func (c *Config) Validate() error {
	var ps problems
	c.Support.validate(&ps)
	if k := c.Threading.TokenKey; k != "" && len(k) < minTokenKey {
		ps.add("threading.token_key", fmt.Sprintf("is %d characters, fewer than %d", len(k), minTokenKey),
			"generate one with `openssl rand -hex 32`, or leave it empty to have casemail keep a random key in the store")
	}
	c.SMTP.validate(&ps)
	c.LMTP.validate(&ps)
	c.Store.validate(&ps)
	c.Admin.validate(&ps)
	positive(&ps, "parse.max_depth", c.Parse.MaxDepth, 30)
	positive(&ps, "parse.max_parts", c.Parse.MaxParts, 1000)
	c.Log.validate(&ps)
	validTeamAddress(&ps, c.Support.TeamAddress)
	c.Outbound.validate(&ps)
	c.BusinessHours.validate(&ps)
	c.Notify.validate(&ps)
	c.validateDesk(&ps)
	return ps.err()
}

func (s Support) validate(ps *problems) {
	if len(s.Addresses) == 0 {
		ps.add("support.addresses", "is empty", "list at least one address, e.g. [support@example.com]")
	}
	seen := map[string]bool{}
	for _, a := range s.Addresses {
		parsed, err := mail.ParseAddress(a)
		switch {
		case err != nil || parsed.Address != a:
			ps.add("support.addresses", fmt.Sprintf("%q is not a bare address", a),
				"write only the address, e.g. support@example.com; the display name goes in support.name")
		case strings.Contains(a[:strings.LastIndexByte(a, '@')], "+"):
			ps.add("support.addresses", fmt.Sprintf("%q has a + in its local part", a),
				"write the address without +...; casemail adds +tokens itself to thread replies")
		case seen[strings.ToLower(a)]:
			ps.add("support.addresses", fmt.Sprintf("%q is listed twice", a), "keep one of them")
		}
		seen[strings.ToLower(a)] = true
	}
	// The name goes into a From header: a line break there would let the
	// config inject headers into every mail we send.
	if strings.ContainsFunc(s.Name, unicode.IsControl) {
		ps.add("support.name", fmt.Sprintf("%q contains a control character", s.Name),
			"write the name on one line, e.g. Example Support")
	}
	if s.Hostname != "" && !validHostname(s.Hostname) {
		ps.add("support.hostname", fmt.Sprintf("%q is not a host name", s.Hostname),
			"write a domain such as mail.example.com, or leave it empty to use the domain of the first address")
	}
}

func (s SMTP) validate(ps *problems) {
	listen(ps, "smtp.listen", s.Listen, "127.0.0.1:2525")
	if !validHostname(s.Hostname) {
		ps.add("smtp.hostname", fmt.Sprintf("%q is not a host name", s.Hostname),
			"write the name clients see in our greeting, e.g. mx.example.com")
	}
	positive(ps, "smtp.max_message_bytes", s.MaxMessageBytes, 26214400)
	positive(ps, "smtp.max_recipients", s.MaxRecipients, 50)
	// RFC 5321 section 4.5.3.1.6: a text line may be 1000 octets with CRLF;
	// a smaller limit would reject mail every server may send.
	if s.MaxLineLength < 1000 {
		ps.add("smtp.max_line_length", fmt.Sprintf("%d is below the 1000 octets RFC 5321 allows", s.MaxLineLength),
			"set it to 1000 or more, e.g. 2000")
	}
	duration(ps, "smtp.read_timeout", s.ReadTimeout, "5m")
	duration(ps, "smtp.write_timeout", s.WriteTimeout, "1m")
	duration(ps, "smtp.stop_timeout", s.StopTimeout, "30s")
	duration(ps, "smtp.data_timeout", s.DataTimeout, "10m")
	positive(ps, "smtp.max_conns", s.MaxConns, 100)
	positive(ps, "smtp.max_conns_per_ip", s.MaxConnsPerIP, 30)
	positive(ps, "smtp.conn_rate_per_minute", s.ConnRatePerMinute, 60)
	positive(ps, "smtp.min_data_rate", s.MinDataRate, 1024)
	positive(ps, "smtp.max_header_bytes", s.MaxHeaderBytes, 1<<20)
	positive(ps, "smtp.max_received", s.MaxReceived, 50)
	s.validateTLS(ps)
}

func (s SMTP) validateTLS(ps *problems) {
	switch {
	case s.TLSCert == "" && s.TLSKey == "":
		return
	case s.TLSKey == "":
		ps.add("smtp.tls_key", "is empty while smtp.tls_cert is set", "set both to enable STARTTLS, or neither")
	case s.TLSCert == "":
		ps.add("smtp.tls_cert", "is empty while smtp.tls_key is set", "set both to enable STARTTLS, or neither")
	default:
		if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
			ps.add("smtp.tls_cert", fmt.Sprintf("does not load with smtp.tls_key: %v", err),
				"point tls_cert at a PEM certificate chain and tls_key at its PEM private key, both readable by casemail")
		}
	}
}

func (l LMTP) validate(ps *problems) {
	switch network, addr := l.Network(); network {
	case "":
	case "unix":
		// sun_path holds 108 bytes on Linux, 104 on the BSDs, with a NUL.
		if addr == "" || len(addr) > 103 {
			ps.add("lmtp.listen", fmt.Sprintf("%q is not a usable unix socket path", l.Listen),
				"write an absolute path of at most 103 bytes, e.g. /run/casemail/lmtp.sock")
		}
	default:
		listen(ps, "lmtp.listen", l.Listen, "127.0.0.1:2424")
	}
}

func (s Store) validate(ps *problems) {
	if s.Path == "" {
		ps.add("store.path", "is empty", "write where the database lives, e.g. ./data/casemail.db")
	}
	duration(ps, "store.lock_timeout", s.LockTimeout, "2s")
}

func (a Admin) validate(ps *problems) {
	listen(ps, "admin.listen", a.Listen, "127.0.0.1:8025")
	const fix = "set CASEMAIL_ADMIN_TOKEN or admin.token to a random string of at least 16 characters, e.g. from `openssl rand -hex 16`"
	switch {
	case a.Token == "" && !a.IsLoopback():
		ps.add("admin.token", fmt.Sprintf("is empty while admin.listen %q is reachable from other hosts", a.Listen),
			fix+", or listen on 127.0.0.1")
	case a.Token != "" && len(a.Token) < minAdminToken:
		ps.add("admin.token", fmt.Sprintf("is %d characters, fewer than %d", len(a.Token), minAdminToken), fix)
	}
}

func (l Log) validate(ps *problems) {
	switch strings.ToLower(l.Level) {
	case "debug", "info", "warn", "error":
	default:
		ps.add("log.level", fmt.Sprintf("%q is not a level", l.Level), "write debug, info, warn or error")
	}
	switch strings.ToLower(l.Format) {
	case "text", "json":
	default:
		ps.add("log.format", fmt.Sprintf("%q is not a format", l.Format), "write text or json")
	}
}

// listen checks a TCP listen address. Port 0 is allowed: tests listen on it
// to get a free port.
func listen(ps *problems, key, addr, example string) {
	host, port, err := net.SplitHostPort(addr)
	ok := err == nil && validPort(port) &&
		(host == "" || net.ParseIP(host) != nil || validHostname(host))
	if !ok {
		ps.add(key, fmt.Sprintf("%q is not host:port", addr), "write it as "+example)
	}
}

// validPort accepts numeric ports only: a service name would resolve
// differently from host to host.
func validPort(port string) bool {
	_, err := strconv.ParseUint(port, 10, 16)
	return err == nil
}

func positive[N int | int64](ps *problems, key string, n N, example N) {
	if n <= 0 {
		ps.add(key, fmt.Sprintf("%d is not above zero", n), fmt.Sprintf("write a positive number, e.g. %d", example))
	}
}

func duration(ps *problems, key string, d time.Duration, example string) {
	if d <= 0 {
		ps.add(key, fmt.Sprintf("%s is not above zero", d), "write a positive duration, e.g. "+example)
	}
}

// validHostname reports whether s is a DNS host name (RFC 1123 section 2.1):
// dot-separated labels of letters, digits and inner hyphens.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
