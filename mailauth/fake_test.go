package mailauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

// fakeDNS is a map-backed Resolver: names it does not hold are NXDOMAIN,
// the way a real zone answers. Lookups only read the maps, so the parallel
// DKIM verifications may share it.
type fakeDNS struct {
	txt map[string][]string
	ip  map[string][]net.IPAddr
	// err, when set, is what every lookup returns.
	err error
	// block makes every lookup wait for its context, like a server that
	// never answers.
	block bool
}

func (f *fakeDNS) fail(ctx context.Context, name string) error {
	if f.block {
		<-ctx.Done()
		return ctx.Err() // not a *net.DNSError: the adapter must cope
	}
	return f.err
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func key(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

func (f *fakeDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if err := f.fail(ctx, name); err != nil {
		return nil, err
	}
	if v, ok := f.txt[key(name)]; ok {
		return v, nil
	}
	return nil, notFound(name)
}

func (f *fakeDNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if err := f.fail(ctx, host); err != nil {
		return nil, err
	}
	if v, ok := f.ip[key(host)]; ok {
		return v, nil
	}
	return nil, notFound(host)
}

func (f *fakeDNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	if err := f.fail(ctx, name); err != nil {
		return nil, err
	}
	return nil, notFound(name)
}

func (f *fakeDNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	if err := f.fail(ctx, addr); err != nil {
		return nil, err
	}
	return nil, notFound(addr)
}

// world is the DNS of the tests: example.com (our agents' domain, DMARC
// p=reject, SPF for 192.0.2.0/24), esp.example (a mail provider without
// DMARC, SPF for 198.51.100.0/24) and attacker.example (signs its own mail,
// SPF for 203.0.113.0/24), each with a DKIM key under selector "sel".
type world struct {
	dns  *fakeDNS
	keys map[string]ed25519.PrivateKey
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{
		dns: &fakeDNS{
			txt: map[string][]string{
				"example.com":        {"google-site-verification=x", "v=spf1 ip4:192.0.2.0/24 -all"},
				"_dmarc.example.com": {"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"},
				"esp.example":        {"v=spf1 ip4:198.51.100.0/24 ~all"},
				"attacker.example":   {"v=spf1 ip4:203.0.113.0/24 -all"},
			},
			ip: map[string][]net.IPAddr{},
		},
		keys: map[string]ed25519.PrivateKey{},
	}
	for _, d := range []string{"example.com", "mail.example.com", "esp.example", "attacker.example"} {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		w.keys[d] = priv
		w.dns.txt["sel._domainkey."+d] = []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
	}
	return w
}

func (w *world) checker(t testing.TB, opt Options) *Checker {
	opt.Resolver = w.dns
	if opt.Logger == nil {
		opt.Logger = failLogger(t)
	}
	return New(opt)
}

// sign returns raw with a DKIM-Signature of domain prepended, as the
// domain's outgoing server would add it.
func (w *world) sign(t testing.TB, raw []byte, domain string) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain:                 domain,
		Selector:               "sel",
		Signer:                 w.keys[domain],
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// reply is a reply as an agent's or a customer's client writes it, with the
// header fields in extra on top.
func reply(from string, extra ...string) []byte {
	var b strings.Builder
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	if from != "" {
		b.WriteString("From: " + from + "\r\n")
	}
	b.WriteString("To: support@casemail.test\r\n" +
		"Subject: Re: [#42] Printer on fire\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n" +
		"Message-ID: <reply-1@example.com>\r\n" +
		"\r\n" +
		"The technician is on his way.\r\n")
	return []byte(b.String())
}

// failLogger fails the test on anything logged: this package logs only
// recovered panics.
func failLogger(t testing.TB) *slog.Logger { return slog.New(failHandler{t}) }

type failHandler struct{ t testing.TB }

func (h failHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h failHandler) Handle(_ context.Context, r slog.Record) error {
	var attrs strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		attrs.WriteString(" " + a.String())
		return true
	})
	h.t.Errorf("logged: %s%s", r.Message, attrs.String())
	return nil
}
func (h failHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h failHandler) WithGroup(string) slog.Handler      { return h }
