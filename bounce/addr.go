package bounce

import (
	"regexp"
	"strings"
)

// addrRE matches an addr-spec with a dotted domain, the only kind a bounce
// of Internet mail reports. Quoted local parts are rare enough in bounces
// to be left out.
var addrRE = regexp.MustCompile(`[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// found is an address and where it starts and ends in the searched text.
type found struct {
	addr       string
	start, end int
}

// findAddrs returns the addresses in s, lower-cased, in order of
// appearance, with their offsets.
func findAddrs(s string) []found {
	var out []found
	for _, loc := range addrRE.FindAllStringIndex(s, 64) {
		a := cleanAddr(s[loc[0]:loc[1]])
		if a == "" {
			continue
		}
		out = append(out, found{a, loc[0], loc[1]})
	}
	return out
}

// cleanAddr trims what the pattern lets through around an address and
// rejects what is not one.
func cleanAddr(a string) string {
	a = strings.Trim(a, ".'/=")
	if i := strings.LastIndexByte(a, '/'); i >= 0 && i < strings.IndexByte(a, '@') {
		a = a[i+1:] // a path that ends in an address, not an address
	}
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" || domain == "" || len(a) > 254 {
		return ""
	}
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	if len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return "" // an IP literal or a host name, not a mail domain
	}
	return strings.ToLower(a)
}

// firstAddr returns the first address in s, or "".
func firstAddr(s string) string {
	if f := findAddrs(s); len(f) > 0 {
		return f[0].addr
	}
	return ""
}

// splitFrom splits a From value into its lower-cased display name and
// addr-spec. "MAILER-DAEMON <>" has a name and no address.
func splitFrom(v string) (display, addr string) {
	addr = firstAddr(v)
	display = v
	if i := strings.IndexByte(v, '<'); i >= 0 {
		display = v[:i]
	} else if i := strings.IndexByte(v, '('); i >= 0 {
		display = v[i:]
	} else if addr != "" {
		display = ""
	}
	display = strings.ToLower(strings.Trim(strings.TrimSpace(display), `"'()`))
	if addr == "" {
		display = strings.ToLower(strings.TrimSpace(v))
	}
	return display, addr
}

// daemonLocals are the local parts mail systems send bounces from.
var daemonLocals = []string{"mailer-daemon", "mailer_daemon", "mail-daemon", "maildaemon",
	"postmaster", "post_master", "poostmaster", "mail-delivery", "mailerdaemon"}

// isDaemonAddr reports whether addr is a mail system's own address.
func isDaemonAddr(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	for _, d := range daemonLocals {
		if local == d {
			return true
		}
	}
	return false
}
