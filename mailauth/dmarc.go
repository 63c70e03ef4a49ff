package mailauth

import (
	"errors"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-msgauth/dmarc"
)

// checkDMARC evaluates DMARC (RFC 7489 section 6.6) from the SPF and DKIM
// results already in r and returns the result and the policy that applies
// to the From domain.
//
// pass: SPF or DKIM passed for a domain aligned with From under the
// record's aspf/adkim. none: no From domain or no usable record.
// temperror: the record or an underlying check failed temporarily and
// nothing else passed. fail: otherwise, and always when the author is
// ambiguous (RFC 7489 section 6.6.1). We only report: p= and pct= decide
// nothing here, the caller marks or holds.
func checkDMARC(d dnsAdapter, r support.AuthResults, ambiguous bool) (result, policy string) {
	from := r.FromDomain
	if from == "" {
		return "none", ""
	}
	rec, pol, err := lookupPolicy(d, from)
	switch {
	case dmarc.IsTempFail(err):
		return "temperror", ""
	case err != nil:
		// No record, or one we cannot parse: RFC 7489 section 6.6.3
		// treats both as no policy.
		if ambiguous {
			return "fail", ""
		}
		return "none", ""
	case ambiguous:
		return "fail", pol
	}

	if r.SPF == "pass" && alignedWith(r.SPFDomain, from, rec.SPFAlignment == dmarc.AlignmentStrict) {
		return "pass", pol
	}
	if r.DKIM == "pass" {
		for _, dom := range r.DKIMDomains {
			if alignedWith(dom, from, rec.DKIMAlignment == dmarc.AlignmentStrict) {
				return "pass", pol
			}
		}
	}
	if r.SPF == "temperror" || r.DKIM == "temperror" {
		// A pass might have been there: not the sender's fault.
		return "temperror", pol
	}
	return "fail", pol
}

// errNoOrgDomain stands for "no record" when the From domain is its own
// organizational domain and there is nowhere to fall back to.
var errNoOrgDomain = errors.New("dmarc: no policy at the organizational domain")

// lookupPolicy finds the DMARC record for from: at _dmarc.<from>, else at
// the organizational domain, whose sp= then applies if it has one (RFC 7489
// section 6.6.3).
func lookupPolicy(d dnsAdapter, from string) (*dmarc.Record, string, error) {
	opts := &dmarc.LookupOptions{LookupTXT: d.lookupTXT}
	rec, err := dmarc.LookupWithOptions(from, opts)
	if err == nil {
		return rec, string(rec.Policy), nil
	}
	if !errors.Is(err, dmarc.ErrNoPolicy) {
		return nil, "", err
	}
	org := orgDomain(from)
	if org == from {
		return nil, "", errNoOrgDomain
	}
	rec, err = dmarc.LookupWithOptions(org, opts)
	if err != nil {
		return nil, "", err
	}
	if rec.SubdomainPolicy != "" {
		return rec, string(rec.SubdomainPolicy), nil
	}
	return rec, string(rec.Policy), nil
}
