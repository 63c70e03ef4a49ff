package mailauth

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

var (
	agentIP    = net.ParseIP("192.0.2.10")   // example.com's outgoing server
	espIP      = net.ParseIP("198.51.100.7") // esp.example's
	attackerIP = net.ParseIP("203.0.113.66")
)

// TestCheck is what a user of casemail sees for the replies that reach it:
// whether an agent's reply counts as the agent's, and whether a customer
// reply is marked for failing DMARC.
func TestCheck(t *testing.T) {
	const agent = "Ana Agent <ana@example.com>"
	tests := []struct {
		name string
		raw  func(t *testing.T, w *world) []byte
		env  Envelope
		dns  func(*fakeDNS) // changes to the world's DNS
		// domain is the agent domain asked about; "" means example.com.
		domain  string
		want    support.AuthResults
		aligned bool
	}{{
		name: "agent mail signed by example.com",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "example.com") },
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}, {
		name: "body changed after signing",
		raw: func(t *testing.T, w *world) []byte {
			return bytes.Replace(w.sign(t, reply(agent), "example.com"), []byte("on his way"), []byte("not coming"), 1)
		},
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "fail",
			DMARC: "fail", DMARCPolicy: "reject"},
	}, {
		name: "SPF pass from an authorized IP, MAIL FROM example.com, no DKIM",
		raw:  func(*testing.T, *world) []byte { return reply(agent) },
		env:  Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "example.com",
			DKIM: "none", DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}, {
		name: "SPF pass for the MAIL FROM of another domain",
		raw:  func(*testing.T, *world) []byte { return reply(agent) },
		env:  Envelope{IP: espIP, Helo: "out.esp.example", MailFrom: "bounce-123@esp.example"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "esp.example",
			DKIM: "none", DMARC: "fail", DMARCPolicy: "reject"},
	}, {
		name: "forged From sent from an attacker's IP",
		raw:  func(*testing.T, *world) []byte { return reply(agent) },
		env:  Envelope{IP: attackerIP, Helo: "mx.attacker.example", MailFrom: "ana@example.com"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "fail", SPFDomain: "example.com",
			DKIM: "none", DMARC: "fail", DMARCPolicy: "reject"},
	}, {
		name: "signed by attacker.example with From example.com",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "attacker.example") },
		env:  Envelope{IP: attackerIP, Helo: "mx.attacker.example", MailFrom: "x@attacker.example"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "attacker.example",
			DKIM: "pass", DKIMDomains: []string{"attacker.example"}, DMARC: "fail", DMARCPolicy: "reject"},
	}, {
		name: "signed by mail.example.com, relaxed alignment",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "mail.example.com") },
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"mail.example.com"}, DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}, {
		name: "signed by mail.example.com, strict alignment",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "mail.example.com") },
		dns:  func(d *fakeDNS) { d.txt["_dmarc.example.com"] = []string{"v=DMARC1; p=quarantine; adkim=s"} },
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"mail.example.com"}, DMARC: "fail", DMARCPolicy: "quarantine"},
	}, {
		name: "SPF of mail.example.com, strict aspf",
		raw:  func(*testing.T, *world) []byte { return reply(agent) },
		env:  Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@mail.example.com"},
		dns: func(d *fakeDNS) {
			d.txt["mail.example.com"] = []string{"v=spf1 ip4:192.0.2.0/24 -all"}
			d.txt["_dmarc.example.com"] = []string{"v=DMARC1; p=reject; aspf=s"}
		},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "mail.example.com",
			DKIM: "none", DMARC: "fail", DMARCPolicy: "reject"},
	}, {
		name: "From a subdomain: the organizational record's sp= applies",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply("ana@mail.example.com"), "example.com") },
		dns:  func(d *fakeDNS) { d.txt["_dmarc.example.com"] = []string{"v=DMARC1; p=reject; sp=quarantine"} },
		want: support.AuthResults{FromDomain: "mail.example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "pass", DMARCPolicy: "quarantine"},
		aligned: true,
	}, {
		name:   "no DMARC record",
		raw:    func(t *testing.T, w *world) []byte { return w.sign(t, reply("bob@esp.example"), "esp.example") },
		domain: "esp.example",
		want: support.AuthResults{FromDomain: "esp.example", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"esp.example"}, DMARC: "none"},
		aligned: true,
	}, {
		name:   "aligned, but for another domain than the agent's",
		raw:    func(t *testing.T, w *world) []byte { return w.sign(t, reply("bob@esp.example"), "esp.example") },
		domain: "example.com",
		want: support.AuthResults{FromDomain: "esp.example", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"esp.example"}, DMARC: "none"},
	}, {
		name: "DNS timeout",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "example.com") },
		env:  Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"},
		dns:  func(d *fakeDNS) { d.err = &net.DNSError{Err: "i/o timeout", IsTimeout: true} },
		want: support.AuthResults{FromDomain: "example.com", SPF: "temperror", SPFDomain: "example.com",
			DKIM: "temperror", DMARC: "temperror"},
	}, {
		name: "resolver error that is not a DNSError",
		raw:  func(t *testing.T, w *world) []byte { return w.sign(t, reply(agent), "example.com") },
		env:  Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"},
		dns:  func(d *fakeDNS) { d.err = errors.New("connection refused") },
		want: support.AuthResults{FromDomain: "example.com", SPF: "temperror", SPFDomain: "example.com",
			DKIM: "temperror", DMARC: "temperror"},
	}, {
		name: "bounce: null MAIL FROM checks the HELO name",
		raw:  func(*testing.T, *world) []byte { return reply("MAILER-DAEMON@example.com") },
		env:  Envelope{IP: agentIP, Helo: "example.com"},
		want: support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "example.com",
			DKIM: "none", DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}, {
		name: "no From header",
		raw:  func(t *testing.T, w *world) []byte { return reply("") },
		env:  Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"},
		want: support.AuthResults{SPF: "pass", SPFDomain: "example.com", DKIM: "none", DMARC: "none"},
	}, {
		name: "unparseable From",
		raw:  func(t *testing.T, w *world) []byte { return reply("Ana Agent at example dot com") },
		want: support.AuthResults{SPF: "none", DKIM: "none", DMARC: "none"},
	}, {
		name: "From that net/mail rejects but mail clients read",
		raw: func(t *testing.T, w *world) []byte {
			return w.sign(t, reply("Agent, Ana <ana@example.com>"), "example.com")
		},
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}, {
		name: "a second From field added on top of a signed mail",
		raw: func(t *testing.T, w *world) []byte {
			return append([]byte("From: ceo@attacker.example\r\n"), w.sign(t, reply(agent), "example.com")...)
		},
		want: support.AuthResults{FromDomain: "attacker.example", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "fail"},
	}, {
		name: "signed mail stored with LF line endings",
		raw: func(t *testing.T, w *world) []byte {
			return bytes.ReplaceAll(w.sign(t, reply(agent), "example.com"), []byte("\r\n"), []byte("\n"))
		},
		want: support.AuthResults{FromDomain: "example.com", SPF: "none", DKIM: "pass",
			DKIMDomains: []string{"example.com"}, DMARC: "pass", DMARCPolicy: "reject"},
		aligned: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.dns != nil {
				tt.dns(w.dns)
			}
			raw := tt.raw(t, w)
			got := w.checker(t, Options{}).Check(context.Background(), raw, tt.env)
			tt.want.Source = "casemail"
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n %+v\nwant\n %+v", got, tt.want)
			}
			domain := tt.domain
			if domain == "" {
				domain = "example.com"
			}
			if a := Aligned(got, domain); a != tt.aligned {
				t.Errorf("Aligned(%q) = %v, want %v", domain, a, tt.aligned)
			}
			failed, policy := DMARCFailed(got)
			if failed != (tt.want.DMARC == "fail") || policy != tt.want.DMARCPolicy {
				t.Errorf("DMARCFailed = %v, %q", failed, policy)
			}
		})
	}
}

// TestCheckTimeout: a DNS server that never answers costs Options.Timeout,
// and the verdict is temperror, not a pass and not a fail.
func TestCheckTimeout(t *testing.T) {
	w := newWorld(t)
	w.dns.block = true
	c := w.checker(t, Options{Timeout: 50 * time.Millisecond})
	start := time.Now()
	got := c.Check(context.Background(), w.sign(t, reply("ana@example.com"), "example.com"),
		Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Check took %v", d)
	}
	want := support.AuthResults{FromDomain: "example.com", SPF: "temperror", SPFDomain: "example.com",
		DKIM: "temperror", DMARC: "temperror", Source: "casemail"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %+v, want %+v", got, want)
	}
	if Aligned(got, "example.com") {
		t.Error("Aligned after a timeout")
	}
}

// panicDNS panics on every lookup, standing in for a bug in a library.
type panicDNS struct{ *fakeDNS }

func (panicDNS) LookupTXT(context.Context, string) ([]string, error) { panic("boom") }

func TestCheckRecoversPanic(t *testing.T) {
	logged := false
	c := New(Options{Resolver: panicDNS{&fakeDNS{}}, Logger: failLogger(recorder{T: t, logged: &logged})})
	got := c.Check(context.Background(), reply("ana@example.com"),
		Envelope{IP: agentIP, Helo: "out.example.com", MailFrom: "ana@example.com"})
	want := support.AuthResults{FromDomain: "example.com", SPF: "temperror", DKIM: "temperror",
		DMARC: "temperror", Source: "casemail"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %+v, want %+v", got, want)
	}
	if !logged {
		t.Error("panic not logged")
	}
}

// recorder notes an Errorf instead of failing the test.
type recorder struct {
	*testing.T
	logged *bool
}

func (r recorder) Errorf(string, ...any) { *r.logged = true }

func TestAligned(t *testing.T) {
	dkimPass := func(from string, d ...string) support.AuthResults {
		return support.AuthResults{FromDomain: from, DKIM: "pass", DKIMDomains: d, DMARC: "none"}
	}
	tests := []struct {
		name   string
		r      support.AuthResults
		domain string
		want   bool
	}{
		{"same domain", dkimPass("example.com", "example.com"), "example.com", true},
		{"case and trailing dot", dkimPass("Example.COM.", "EXAMPLE.com"), "example.com.", true},
		{"second of two signatures", dkimPass("example.com", "esp.example", "example.com"), "example.com", true},
		{"agent domain is a subdomain", dkimPass("example.com", "example.com"), "support.example.com", true},
		{"other organization", dkimPass("example.com", "example.com"), "example.org", false},
		{"two-part public suffix", dkimPass("example.co.uk", "mail.example.co.uk"), "example.co.uk", true},
		{"neighbour under a two-part suffix", dkimPass("example.co.uk", "evil.co.uk"), "example.co.uk", false},
		{"neighbour under com.au", dkimPass("shop.com.au", "evil.com.au"), "shop.com.au", false},
		{"public suffix itself", dkimPass("co.uk", "co.uk"), "example.co.uk", false},
		{"DKIM not passed", support.AuthResults{FromDomain: "example.com", DKIM: "fail", DKIMDomains: []string{"example.com"}}, "example.com", false},
		{"SPF pass aligned", support.AuthResults{FromDomain: "example.com", SPF: "pass", SPFDomain: "bounces.example.com"}, "example.com", true},
		{"SPF softfail", support.AuthResults{FromDomain: "example.com", SPF: "softfail", SPFDomain: "example.com"}, "example.com", false},
		{"DMARC fail wins", support.AuthResults{FromDomain: "example.com", DKIM: "pass", DKIMDomains: []string{"mail.example.com"}, DMARC: "fail"}, "example.com", false},
		{"no From domain", dkimPass("", "example.com"), "example.com", false},
		{"no domain asked", dkimPass("example.com", "example.com"), "", false},
		{"internationalized From", dkimPass("bücher.example", "xn--bcher-kva.example"), "xn--bcher-kva.example", true},
	}
	for _, tt := range tests {
		if got := Aligned(tt.r, tt.domain); got != tt.want {
			t.Errorf("%s: Aligned(%+v, %q) = %v, want %v", tt.name, tt.r, tt.domain, got, tt.want)
		}
	}
}
