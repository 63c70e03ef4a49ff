package mailauth

import (
	"context"
	"strings"

	"blitiri.com.ar/go/spf"
)

// checkSPF evaluates SPF (RFC 7208) for the envelope and returns the result
// and the domain it was checked for: the MAIL FROM domain, or the HELO name
// for the null sender (RFC 7208 section 2.4) — the identity DMARC aligns.
func checkSPF(ctx context.Context, d dnsAdapter, env Envelope) (result, domain string) {
	sender := strings.Trim(strings.TrimSpace(env.MailFrom), "<>")
	helo := strings.TrimSpace(env.Helo)
	domain = addrDomain(sender)
	if domain == "" {
		domain = normDomain(helo)
		if domain == "" {
			return "none", ""
		}
		// RFC 7208 section 2.4: a null reverse-path is checked as
		// postmaster@<helo>, which is also what %{l} expands to.
		sender = "postmaster@" + domain
	}
	if env.IP == nil {
		// Nothing to check against: LMTP from a local socket.
		return "none", domain
	}
	res, _ := spf.CheckHostWithSender(env.IP, helo, sender,
		spf.WithContext(ctx), spf.WithResolver(d))
	switch res {
	case spf.Pass, spf.Fail, spf.SoftFail, spf.Neutral, spf.None, spf.TempError, spf.PermError:
		return string(res), domain
	}
	return "permerror", domain
}
