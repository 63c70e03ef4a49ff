package mailauth

import (
	"bytes"
	"errors"
	"slices"

	"github.com/emersion/go-msgauth/dkim"
)

// maxSignatures bounds the public-key operations and key lookups one
// message can cost us: a sender could add hundreds of DKIM-Signature
// fields. Real mail carries one to three (author domain, ESP, list).
const maxSignatures = 5

// checkDKIM verifies the message's DKIM signatures (RFC 6376 section 6)
// and returns "pass" with every d= domain whose signature verified, "fail"
// when there are signatures but none verified, "temperror" when none
// verified and a key could not be fetched, and "none" when unsigned.
func checkDKIM(d dnsAdapter, raw []byte) (result string, domains []string) {
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        d.lookupTXT,
		MaxVerifications: maxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// An unexpected error (the library could not read the message)
		// comes back with verifications whose Err was cleared: none of
		// them can be trusted as a pass.
		if len(verifs) == 0 && !hasSignature(raw) {
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

// hasSignature reports whether the header has a DKIM-Signature field.
func hasSignature(raw []byte) bool {
	return len(values(readHeader(raw), "DKIM-Signature")) > 0
}
