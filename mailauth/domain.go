package mailauth

import (
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// normDomain lower-cases a domain, drops a trailing dot and turns
// internationalized names into A-labels, so that "Example.COM.", and a UTF-8
// From domain compare equal to the ASCII d= of a DKIM signature.
func normDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" || strings.HasPrefix(d, "[") {
		return "" // an address literal has no domain to authenticate
	}
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}

// orgDomain returns the organizational domain (RFC 7489 section 3.2): the
// public suffix plus one label, "example.co.uk" for "mail.example.co.uk".
//
// It uses the Public Suffix List compiled into golang.org/x/net/publicsuffix
// rather than a "last two labels" rule, which would put every
// "*.com.au" in one organization and let evil.com.au align with
// shop.com.au. Limitation: the list is as fresh as the x/net version we
// build with, and it includes the list's private section (github.io and
// the like), which only ever makes alignment stricter. A domain that is
// itself a public suffix, or that the list cannot handle, is its own
// organization.
func orgDomain(d string) string {
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// alignedWith reports whether an authenticated domain (SPF's MAIL FROM
// domain or DKIM's d=) aligns with the From domain: the same name when
// strict, the same organizational domain when relaxed (RFC 7489 section
// 3.1).
func alignedWith(auth, from string, strict bool) bool {
	a, f := normDomain(auth), normDomain(from)
	if a == "" || f == "" {
		return false
	}
	if strict {
		return a == f
	}
	return orgDomain(a) == orgDomain(f)
}
