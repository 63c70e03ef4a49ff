// Package mailauth decides whether an inbound message is authenticated for
// the domain in its From header: SPF (RFC 7208) on the envelope, DKIM
// (RFC 6376) on the content, and DMARC (RFC 7489) alignment of the two with
// the From domain. Behind our own MTA (LMTP mode) it can instead read the
// verdicts from that MTA's Authentication-Results header (RFC 8601).
//
// casemail needs this because an agent answers a case from an ordinary mail
// client: the From header alone is something anyone can write, so an agent's
// reply counts as the agent's only when Aligned says the message passed
// authentication for the agent's domain. A customer reply that fails DMARC
// is still recorded, but marked (DMARCFailed).
//
// All DNS goes through the Resolver interface so tests run without a
// network, and every check is bounded by Options.Timeout. A DNS failure is
// a temperror, never a pass and never a fail.
package mailauth

import (
	"context"
	"log/slog"
	"net"
	"runtime/debug"
	"time"

	"github.com/casemail/casemail/support"
)

// Resolver is the DNS the checks use; *net.Resolver satisfies it.
//
// A lookup of a name that does not exist must return a *net.DNSError with
// IsNotFound set: that is how "no record" (SPF none, no DMARC policy) is
// told from a failure. Any other error counts as temporary.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Options configure a Checker.
type Options struct {
	// Resolver answers the DNS queries; nil means net.DefaultResolver.
	Resolver Resolver
	// TrustedAuthServIDs are the authserv-ids of the MTA in front of
	// casemail (LMTP mode). When the topmost Authentication-Results header
	// carries one of them, its verdicts are used instead of checking.
	TrustedAuthServIDs []string
	// Timeout bounds the whole check; 0 means 10s.
	Timeout time.Duration
	// Logger receives the one error this package logs itself: a panic
	// recovered from a check. nil means slog.Default().
	Logger *slog.Logger
}

// Envelope is what the SMTP session knew about the sender.
type Envelope struct {
	// IP is the connecting client; nil when unknown (e.g. LMTP over a local
	// socket), and then SPF is "none" unless a trusted header says otherwise.
	IP net.IP
	// Helo is the EHLO/HELO name; MailFrom the reverse-path without angle
	// brackets, empty for the null sender of a bounce.
	Helo, MailFrom string
	// ViaTrustedMTA: the message came from the MTA in front of casemail
	// (LMTP), so an Authentication-Results header from a trusted
	// authserv-id is its verdict. Over SMTP anyone can write that header.
	ViaTrustedMTA bool
}

// Checker runs the checks. It is safe for concurrent use.
type Checker struct {
	resolver Resolver
	trusted  []string
	timeout  time.Duration
	log      *slog.Logger
}

// New returns a Checker with opt's defaults filled in.
func New(opt Options) *Checker {
	c := &Checker{
		resolver: opt.Resolver,
		trusted:  append([]string(nil), opt.TrustedAuthServIDs...),
		timeout:  opt.Timeout,
		log:      opt.Logger,
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c
}

// sourceCasemail marks results we computed ourselves.
const sourceCasemail = "casemail"

// Check authenticates raw, a whole message as received, sent by env. It
// never fails: what could not be decided is a temperror or none, and the
// caller records the result with the message either way.
func (c *Checker) Check(ctx context.Context, raw []byte, env Envelope) (res support.AuthResults) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	defer func() {
		// A crafted message must not take the daemon down through a bug
		// here or in a library. Fail closed: temperror is neither a pass
		// (Aligned is false) nor a DMARC fail (the reply is not marked
		// for something we could not decide).
		if p := recover(); p != nil {
			c.log.Error("mailauth: panic checking message", "panic", p, "stack", string(debug.Stack()))
			res = support.AuthResults{
				FromDomain: res.FromDomain,
				SPF:        "temperror",
				DKIM:       "temperror",
				DMARC:      "temperror",
				Source:     sourceCasemail,
			}
		}
	}()

	h := readHeader(raw)
	from, ambiguous := fromDomain(h)
	res.FromDomain = from
	if ar, ok := c.trustedResults(h); ok && env.ViaTrustedMTA {
		ar.FromDomain = from
		if ambiguous {
			// The MTA may have judged another of the From fields
			// than the one we align with (see fromDomain).
			ar.DMARC = "fail"
		}
		return ar
	}

	d := dnsAdapter{ctx: ctx, r: c.resolver}
	res.SPF, res.SPFDomain = checkSPF(ctx, d, env)
	res.DKIM, res.DKIMDomains = checkDKIM(d, raw, h)
	res.DMARC, res.DMARCPolicy = checkDMARC(d, res, ambiguous)
	res.Source = sourceCasemail
	return res
}

// Aligned reports whether the message is authenticated for domain: an SPF
// pass on the MAIL FROM domain or a DKIM pass whose d= domain is in the same
// organizational domain (DMARC relaxed alignment, RFC 7489 section 3.1) as
// both the From domain and domain. A DMARC fail always wins: it means the
// domain owner's own policy (for example strict alignment) rejected the
// message, so we must not accept it as authenticated either.
func Aligned(r support.AuthResults, domain string) bool {
	from, want := normDomain(r.FromDomain), normDomain(domain)
	if from == "" || want == "" || r.DMARC == "fail" {
		return false
	}
	if orgDomain(from) != orgDomain(want) {
		return false
	}
	if r.SPF == "pass" && alignedWith(r.SPFDomain, from, false) {
		return true
	}
	if r.DKIM == "pass" {
		for _, d := range r.DKIMDomains {
			if alignedWith(d, from, false) {
				return true
			}
		}
	}
	return false
}

// DMARCFailed reports a DMARC fail and the policy the domain publishes
// (none, quarantine, reject) — used to mark customer replies. temperror is
// not a fail: we could not tell, and the sender is not to blame.
func DMARCFailed(r support.AuthResults) (failed bool, policy string) {
	return r.DMARC == "fail", r.DMARCPolicy
}
