package mailauth

import (
	"context"
	"reflect"
	"testing"

	"github.com/casemail/casemail/support"
)

// TestTrustedHeader: behind our own MTA (LMTP, no client IP) the MTA's
// Authentication-Results header decides, but only the topmost one and only
// from an authserv-id we trust; anything else could come from the sender.
func TestTrustedHeader(t *testing.T) {
	const (
		full = "Authentication-Results: mx.example.com;\r\n" +
			"\tspf=pass (mx.example.com: domain of ana@example.com designates 192.0.2.10 as permitted sender) smtp.mailfrom=ana@example.com;\r\n" +
			"\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.b=\"abc;def\";\r\n" +
			"\tdmarc=pass (p=REJECT sp=NONE dis=NONE) header.from=example.com"
		dkimOnly = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com"
		forged   = "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
		forgedMX = "Authentication-Results: mx.example.com; dkim=pass header.d=example.com; dmarc=pass"
	)
	// What we find ourselves for an unsigned reply from ana@example.com
	// over LMTP: nothing passes, and example.com publishes p=reject.
	own := support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "none",
		DMARC: "fail", DMARCPolicy: "reject", Source: "casemail"}
	tests := []struct {
		name    string
		trusted []string
		extra   []string // header fields on top of the reply, topmost first
		want    support.AuthResults
		aligned bool
	}{{
		name:    "trusted header on top, with comments",
		trusted: []string{"mx.example.com"},
		extra:   []string{full, "Authentication-Results: other.example; dkim=fail header.d=example.com"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "example.com",
			DKIM: "pass", DKIMDomains: []string{"example.com"}, DMARC: "pass", DMARCPolicy: "reject",
			Source: "authserv-id=mx.example.com"},
		aligned: true,
	}, {
		name:    "trusted dkim=pass header.d=example.com is enough",
		trusted: []string{"mx.example.com"},
		extra:   []string{"Received: from out.example.com by mx.example.com", dkimOnly},
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "none", Source: "authserv-id=mx.example.com"},
		aligned: true,
	}, {
		name:    "authserv-id compared without case",
		trusted: []string{"MX.Example.com"},
		extra:   []string{"Authentication-Results: mx.example.COM; dkim=pass header.i=@example.com; dmarc=fail policy.dmarc=quarantine"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "fail", DMARCPolicy: "quarantine",
			Source: "authserv-id=mx.example.com"},
	}, {
		name:    "trusted header says DKIM failed",
		trusted: []string{"mx.example.com"},
		extra:   []string{"Authentication-Results: mx.example.com; spf=hardfail smtp.mailfrom=example.com; dkim=fail header.d=example.com; dmarc=fail"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "fail", SPFDomain: "example.com",
			DKIM: "fail", DMARC: "fail", Source: "authserv-id=mx.example.com"},
	}, {
		name:    "trusted pass, but a second From field",
		trusted: []string{"mx.example.com"},
		extra:   []string{dkimOnly, "From: boss@attacker.example"},
		want: support.AuthResults{FromDomain: "attacker.example", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "fail", Source: "authserv-id=mx.example.com"},
	}, {
		name:    "trusted id below an untrusted one",
		trusted: []string{"mx.example.com"},
		extra:   []string{"Authentication-Results: mx.attacker.example; none", forgedMX},
		want:    own,
	}, {
		name:    "trusted id forged under the real one's place",
		trusted: []string{"mx.example.com"},
		extra:   []string{"Received: from mx.attacker.example", forged, forgedMX},
		want:    own,
	}, {
		name:    "untrusted id only",
		trusted: []string{"mx.example.com"},
		extra:   []string{forged},
		want:    own,
	}, {
		name:  "nothing trusted",
		extra: []string{dkimOnly},
		want:  own,
	}, {
		name:    "trusted header we cannot parse",
		trusted: []string{"mx.example.com"},
		extra:   []string{"Authentication-Results: mx.example.com 2; dkim=pass header.d=example.com"},
		want:    own,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			c := w.checker(t, Options{TrustedAuthServIDs: tt.trusted})
			raw := reply("Ana Agent <ana@example.com>", tt.extra...)
			got := c.Check(context.Background(), raw, Envelope{ViaTrustedMTA: true})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n %+v\nwant\n %+v", got, tt.want)
			}
			if a := Aligned(got, "example.com"); a != tt.aligned {
				t.Errorf("Aligned = %v, want %v", a, tt.aligned)
			}
			// Over SMTP anyone can write the header: it is never believed.
			if got := c.Check(context.Background(), raw, Envelope{}); got.Source != sourceCasemail {
				t.Errorf("over SMTP the header was believed: %+v", got)
			}
		})
	}
}

func TestSplitResinfo(t *testing.T) {
	parts, comments := splitResinfo(`mx.example.com (our (nested) MX); dkim=pass (1024-bit key; "quoted") header.d=example.com header.b="a;b\"c"`)
	wantParts := []string{"mx.example.com  ", ` dkim=pass   header.d=example.com header.b="ab\"c"`}
	wantComments := []string{"our (nested) MX ", `1024-bit key; "quoted" `}
	if !reflect.DeepEqual(parts, wantParts) || !reflect.DeepEqual(comments, wantComments) {
		t.Errorf("splitResinfo =\n %q %q\nwant\n %q %q", parts, comments, wantParts, wantComments)
	}
}
