package mailauth

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// maxSignatures bounds the public-key operations and key lookups one
// message can cost us: a sender could add hundreds of DKIM-Signature
// fields. Real mail carries one to three (author domain, ESP, list).
const maxSignatures = 5

// Budgets for go-msgauth's DKIM verifier, whose header handling is
// quadratic: about 2ns a byte, so each is a few tenths of a second at most.
// A 400 KB header of one-character continuation lines took it 40 s.
const (
	// maxFoldCost bounds header.foldCost.
	maxFoldCost = 64 << 20
	// maxPickCost bounds header-field names in the h= tags to verify times
	// header bytes: each name is looked up by scanning the whole header.
	maxPickCost = 64 << 20
)

// checkDKIM verifies the message's DKIM signatures (RFC 6376 section 6)
// and returns "pass" with every d= domain whose signature verified, "fail"
// when there are signatures but none verified, "temperror" when none
// verified and a key could not be fetched, and "none" when unsigned.
// go-msgauth reads mail stored with bare LF line endings as CRLF.
func checkDKIM(d dnsAdapter, raw []byte, h header) (result string, domains []string) {
	sigs := h.values("DKIM-Signature")
	if !dkimAffordable(h, sigs) {
		// Built to burn our CPU, not to be verified; no real
		// signer produces such a header.
		return "fail", nil
	}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        d.lookupTXT,
		MaxVerifications: maxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// An unexpected error (the library could not read the message)
		// comes back with verifications whose Err was cleared: none of
		// them can be trusted as a pass.
		if len(verifs) == 0 && len(sigs) == 0 {
			return "none", nil
		}
		return "fail", nil
	}
	if len(verifs) == 0 {
		return "none", nil
	}
	temp := false
	for _, v := range verifs {
		switch {
		case v.Err == nil:
			if dom := normDomain(v.Domain); dom != "" && !slices.Contains(domains, dom) {
				domains = append(domains, dom)
			}
		case dkim.IsTempFail(v.Err):
			temp = true
		}
	}
	switch {
	case len(domains) > 0:
		return "pass", domains
	case temp:
		return "temperror", nil
	}
	return "fail", nil
}

// dkimAffordable reports whether verifying sigs (the DKIM-Signature values,
// topmost first) stays within the budgets above.
func dkimAffordable(h header, sigs []string) bool {
	if h.size > maxHeaderBytes || h.foldCost > maxFoldCost {
		return false
	}
	names := 0
	for i, s := range sigs {
		if i == maxSignatures {
			break // the verifier looks at no more
		}
		names += strings.Count(s, ":") + 1
	}
	return names*h.size <= maxPickCost
}
