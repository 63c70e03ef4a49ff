package mailauth

import (
	"context"
	"testing"
)

// FuzzCheck feeds arbitrary messages and MAIL FROMs through every check:
// no input may panic (the fail logger turns a recovered panic into a test
// failure), and the verdicts stay within their documented values.
func FuzzCheck(f *testing.F) {
	w := newWorld(f)
	// Records that make the SPF library expand macros and follow includes.
	w.dns.txt["fuzz.example"] = []string{"v=spf1 exists:%{l}.%{d}.%{i}._spf.example.com include:example.com a mx ptr -all"}
	w.dns.txt["_dmarc.fuzz.example"] = []string{"v=DMARC1; p=quarantine; adkim=s; aspf=s; pct=50"}

	f.Add(w.sign(f, reply("Ana <ana@example.com>"), "example.com"), "ana@example.com")
	f.Add(w.sign(f, reply("a@fuzz.example, b@example.com", "From: c@esp.example"), "esp.example"), "x@fuzz.example")
	f.Add(reply("ana@example.com", "Authentication-Results: mx.example.com (x; y); dkim=pass header.d=example.com; dmarc=fail (p=REJECT)"), "")
	f.Add([]byte("DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=; b=\r\nFrom: x\r\n"), "<>")
	f.Add([]byte("From: =?x-unknown?q?=FF?= <@>\n\n"), "@")
	f.Add([]byte{}, "")

	f.Fuzz(func(t *testing.T, raw []byte, mailFrom string) {
		c := w.checker(t, Options{TrustedAuthServIDs: []string{"mx.example.com"}})
		r := c.Check(context.Background(), raw, Envelope{IP: agentIP, Helo: "fuzz.example", MailFrom: mailFrom})
		check := func(name, v string, allowed ...string) {
			for _, a := range allowed {
				if v == a {
					return
				}
			}
			t.Errorf("%s = %q", name, v)
		}
		check("SPF", r.SPF, "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror")
		check("DKIM", r.DKIM, "pass", "fail", "none", "temperror")
		check("DMARC", r.DMARC, "pass", "fail", "none", "temperror")
		check("DMARCPolicy", r.DMARCPolicy, "", "none", "quarantine", "reject")
		if (r.DKIM == "pass") != (len(r.DKIMDomains) > 0) {
			t.Errorf("DKIM %q with domains %q", r.DKIM, r.DKIMDomains)
		}
		Aligned(r, "example.com")
	})
}
