package mailauth

import (
	"slices"
	"strings"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-msgauth/authres"
)

// trustedResults reads the verdicts of the MTA in front of us from the
// topmost Authentication-Results field (RFC 8601), when its authserv-id is
// one we trust.
//
// Only the topmost field counts: our MTA adds its own on top (RFC 8601
// section 5 has it remove or not trust any claiming its id further down),
// and everything below it came with the message, where any sender can
// write "dkim=pass header.d=example.com" under any authserv-id. A field
// we cannot parse is not used: we check ourselves instead.
func (c *Checker) trustedResults(h header) (support.AuthResults, bool) {
	if len(c.trusted) == 0 {
		return support.AuthResults{}, false
	}
	all := h.values("Authentication-Results")
	if len(all) == 0 {
		return support.AuthResults{}, false
	}
	parts, comments := splitResinfo(all[0])
	id, results, err := authres.Parse(strings.Join(parts, ";"))
	if err != nil || id == "" || !c.isTrusted(id) {
		return support.AuthResults{}, false
	}

	r := support.AuthResults{SPF: "none", DKIM: "none", DMARC: "none", Source: "authserv-id=" + strings.ToLower(id)}
	spfSeen, dkimFailure, dmarcSeen := false, "", false
	for _, res := range results {
		switch res := res.(type) {
		case *authres.SPFResult:
			if !spfSeen {
				spfSeen = true
				r.SPF = spfValue(res.Value)
				if r.SPFDomain = addrDomain(res.From); r.SPFDomain == "" {
					r.SPFDomain = normDomain(res.Helo)
				}
			}
		case *authres.DKIMResult:
			if res.Value != authres.ResultPass {
				if dkimFailure == "" {
					dkimFailure = dkimValue(res.Value)
				}
				continue
			}
			dom := normDomain(res.Domain)
			if dom == "" {
				dom = addrDomain(res.Identifier) // header.i=@example.com
			}
			if dom != "" && !slices.Contains(r.DKIMDomains, dom) {
				r.DKIMDomains = append(r.DKIMDomains, dom)
			}
		case *authres.DMARCResult:
			if !dmarcSeen {
				dmarcSeen = true
				r.DMARC = dmarcValue(res.Value)
				r.DMARCPolicy = dmarcPolicy(parts, comments)
			}
		}
	}
	switch {
	case len(r.DKIMDomains) > 0:
		r.DKIM = "pass"
	case dkimFailure != "":
		r.DKIM = dkimFailure
	}
	return r, true
}

func (c *Checker) isTrusted(id string) bool {
	for _, t := range c.trusted {
		if strings.EqualFold(strings.TrimSuffix(t, "."), strings.TrimSuffix(id, ".")) {
			return true
		}
	}
	return false
}

// spfValue maps an RFC 8601 spf result onto RFC 7208's; "hardfail" is the
// older name of fail, and anything unknown is not a pass.
func spfValue(v authres.ResultValue) string {
	switch v {
	case authres.ResultPass, authres.ResultFail, authres.ResultSoftFail, authres.ResultNeutral,
		authres.ResultNone, authres.ResultTempError, authres.ResultPermError:
		return string(v)
	case authres.ResultHardFail:
		return "fail"
	}
	return "permerror"
}

// dkimValue maps a non-pass dkim result onto our fail/none/temperror.
func dkimValue(v authres.ResultValue) string {
	switch v {
	case authres.ResultNone, authres.ResultTempError:
		return string(v)
	}
	return "fail"
}

// dmarcValue maps a dmarc result: permerror means the record could not be
// used, which RFC 7489 section 6.6.3 treats as no policy.
func dmarcValue(v authres.ResultValue) string {
	switch v {
	case authres.ResultPass, authres.ResultFail, authres.ResultNone, authres.ResultTempError:
		return string(v)
	case authres.ResultPermError:
		return "none"
	}
	return "fail"
}

// dmarcPolicy finds the published policy in the dmarc part: the
// "policy.dmarc=" property some MTAs write, or the "(p=REJECT sp=NONE
// dis=NONE)" comment that OpenDMARC, Gmail and Microsoft write.
func dmarcPolicy(parts, comments []string) string {
	for i, p := range parts {
		fields := strings.Fields(p)
		if len(fields) == 0 || !strings.HasPrefix(strings.ToLower(fields[0]), "dmarc=") {
			continue
		}
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, "policy.dmarc") {
				return policyName(v)
			}
		}
		for _, f := range strings.Fields(comments[i]) {
			if k, v, ok := strings.Cut(f, "="); ok && strings.EqualFold(k, "p") {
				return policyName(v)
			}
		}
		return ""
	}
	return ""
}

func policyName(v string) string {
	switch v = strings.ToLower(strings.Trim(v, `"`)); v {
	case "none", "quarantine", "reject":
		return v
	}
	return ""
}

// splitResinfo splits an Authentication-Results value at the semicolons
// between its parts (RFC 8601 section 2.2), without the comments but with
// each part's comment text alongside. authres.Parse splits at every ';'
// and does not skip comments, so the common "dkim=pass (2048-bit key;
// unprotected) header.d=example.com" would otherwise fail to parse.
func splitResinfo(v string) (parts, comments []string) {
	var part, comment strings.Builder
	depth, quoted := 0, false
	flush := func() {
		parts = append(parts, part.String())
		comments = append(comments, comment.String())
		part.Reset()
		comment.Reset()
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(v):
			i++ // quoted-pair
			if depth > 0 {
				comment.WriteByte(v[i])
			} else {
				part.WriteByte(c)
				part.WriteByte(v[i])
			}
		case quoted:
			// authres.Parse would split at a ';' even here
			// (header.b="a;b"); the value is of no use to us.
			if c != ';' {
				part.WriteByte(c)
			}
			quoted = c != '"'
		case c == '(':
			if depth == 0 {
				part.WriteByte(' ') // a comment separates like a space
			} else {
				comment.WriteByte(c)
			}
			depth++
		case depth > 0:
			if c == ')' {
				depth--
			}
			if depth > 0 {
				comment.WriteByte(c)
			} else {
				comment.WriteByte(' ')
			}
		case c == '"':
			part.WriteByte(c)
			quoted = true
		case c == ';':
			flush()
		default:
			part.WriteByte(c)
		}
	}
	flush()
	return parts, comments
}
