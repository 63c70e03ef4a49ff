// Package smtpd is casemail's SMTP (RFC 5321) and LMTP (RFC 2033) listener,
// built on go-smtp. It speaks the protocol, enforces the recipient policy
// and the limits, and hands each message to a Deliverer; it answers 250
// only when the Deliverer returns, that is, once the message is on disk. In
// LMTP every recipient gets its own reply (RFC 2033 section 4.2).
//
// The limits, each an Options field with its default:
//   - connections in all, per client address, and new connections per
//     address per minute; a refused client is greeted with 421 and closed,
//     the one reply RFC 5321 section 3.8 lets a server give at any time;
//   - time: the idle timeout between commands (RFC 5321 section 4.5.3.2.7
//     asks for at least 5 minutes) and, during DATA, a minimum data rate
//     under a total cap, so a stalled or trickling client cannot hold a
//     session (RFC 5321 section 4.5.3.2 lets servers bound every phase);
//   - sizes: message, line (RFC 5321 section 4.5.3.1) and header block;
//   - hops: more Received fields than MaxReceived is a mail loop, refused
//     before delivery (RFC 5321 section 6.3).
//
// Only <CRLF>.<CRLF> ends a message (RFC 5321 section 4.1.1.4): bare LF or
// bare CR never do, so no command can be smuggled inside a message's data
// (the 2023 "SMTP smuggling" attacks; see dotend.go).
//
// Shutdown tells idle sessions 421 and lets those inside a transaction
// finish it first. The package never imports the store: storage is behind
// Deliverer, and every error that comes back is mapped to a reply code in
// one place (errors.go).
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-smtp"
)

// Deliverer takes a received message. It returns only after the message is
// durably stored (or an error when it is not).
type Deliverer interface {
	Deliver(ctx context.Context, env support.Envelope, raw []byte) (support.Delivery, error)
}

// Options configure a Server. In the timeouts and the limits, zero means
// the default given, and a negative value means none.
type Options struct {
	// Addresses are the support addresses accepted as recipients, with
	// their plus variants (support+anything@domain). Nothing else is: this
	// is not a relay.
	Addresses []string
	Hostname  string
	// MaxMessageBytes is the largest message taken, in memory until the
	// Deliverer returns (zero: 25 MiB).
	MaxMessageBytes int64
	// MaxRecipients caps RCPTs per transaction; more get 452 (zero: none,
	// the one limit without a default).
	MaxRecipients int
	// MaxLineLength caps command and text lines (zero: 2000, go-smtp's
	// default: RFC 5321 section 4.5.3.1.6's 1000 doubled, for tolerance).
	MaxLineLength int
	// ReadTimeout is the idle time allowed between commands (zero: 5
	// minutes, the least RFC 5321 section 4.5.3.2.7 allows).
	ReadTimeout time.Duration
	// WriteTimeout bounds each reply (zero: 1 minute).
	WriteTimeout time.Duration
	// TLS enables STARTTLS when set.
	TLS    *tls.Config
	LMTP   bool
	Logger *slog.Logger

	// MaxConns caps simultaneous connections (zero: 100, Postfix's
	// default_process_limit for smtpd).
	MaxConns int
	// MaxConnsPerIP caps simultaneous connections from one IPv4 address or
	// IPv6 /64, the block one host usually has (zero: 30, mox's limit).
	// Unix-socket peers have no address and count only toward MaxConns.
	MaxConnsPerIP int
	// LimitLoopback applies MaxConnsPerIP and the connection rate to
	// loopback clients too. Off by default: on loopback is the relay in
	// front of casemail, which opens as many connections as its queue
	// needs, and Postfix too exempts its own networks from these limits
	// (smtpd_client_event_limit_exceptions = $mynetworks). Loopback
	// clients always count toward MaxConns.
	LimitLoopback bool
	// ConnRatePerMinute and ConnBurst meter new connections per address
	// with a token bucket (zero: 60 a minute, in bursts of up to 30, what
	// a relay flushing its queue opens at once before it reuses them;
	// Postfix's smtpd_client_connection_rate_limit counts per minute too,
	// its anvil_rate_time_unit, and mox allows 300 a minute).
	ConnRatePerMinute int
	ConnBurst         int
	// DataTimeout caps the whole DATA phase (zero: 10 minutes, as long as
	// RFC 5321 section 4.5.3.2.6 has the client wait for our final reply).
	DataTimeout time.Duration
	// DataStallTimeout is the longest a client may send nothing mid-DATA,
	// and the credit it starts with (zero: 30 seconds; negative: only
	// ReadTimeout between reads).
	DataStallTimeout time.Duration
	// MinDataRate in bytes per second is what a client must keep up during
	// DATA: each read earns bytes/MinDataRate of time, never more credit
	// than DataStallTimeout (zero: 1024; Postfix's smtpd_min_data_rate, the
	// same scheme, is 500).
	MinDataRate int
	// MaxHeaderBytes caps the header block (zero: 1 MiB).
	MaxHeaderBytes int
	// MaxReceived is how many Received fields a message may carry before it
	// is taken for a loop (zero: 50, Postfix's hopcount_limit).
	MaxReceived int
}

// withDefaults fills the zero fields; negative limits become 0, "none".
func (o Options) withDefaults() Options {
	dur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		} else if *v < 0 {
			*v = 0
		}
	}
	num := func(v *int, def int) {
		if *v == 0 {
			*v = def
		} else if *v < 0 {
			*v = 0
		}
	}
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 25 << 20
	} else if o.MaxMessageBytes < 0 {
		o.MaxMessageBytes = 0
	}
	num(&o.MaxLineLength, 2000)
	dur(&o.ReadTimeout, 5*time.Minute)
	dur(&o.WriteTimeout, time.Minute)
	dur(&o.DataTimeout, 10*time.Minute)
	dur(&o.DataStallTimeout, 30*time.Second)
	num(&o.MaxConns, 100)
	num(&o.MaxConnsPerIP, 30)
	num(&o.ConnRatePerMinute, 60)
	num(&o.ConnBurst, 30)
	num(&o.MinDataRate, 1024)
	num(&o.MaxHeaderBytes, 1<<20)
	num(&o.MaxReceived, 50)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Server is one listener's worth of SMTP or LMTP.
type Server struct {
	srv     *smtp.Server
	deliver Deliverer
	accept  map[string]bool
	log     *slog.Logger
	opt     Options
	conns   connTable
	// now is the clock of the connection-rate buckets (tests move it).
	now func() time.Time
	// ctx is given to the Deliverer; it ends when Shutdown gives up
	// waiting, so a delivery still running can stop.
	ctx    context.Context
	cancel context.CancelFunc
}

// New returns a Server that hands mail to d.
func New(d Deliverer, opt Options) *Server {
	opt = opt.withDefaults()
	proto := "smtp"
	if opt.LMTP {
		proto = "lmtp"
	}
	s := &Server{deliver: d, accept: map[string]bool{}, log: opt.Logger.With("proto", proto), opt: opt, now: time.Now}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.conns.init()
	for _, a := range opt.Addresses {
		s.accept[support.NormalizeAddress(a)] = true
	}
	srv := smtp.NewServer(s)
	srv.Domain = opt.Hostname
	srv.LMTP = opt.LMTP
	srv.MaxMessageBytes = opt.MaxMessageBytes
	srv.MaxRecipients = opt.MaxRecipients
	srv.MaxLineLength = opt.MaxLineLength
	srv.ReadTimeout = opt.ReadTimeout
	srv.WriteTimeout = opt.WriteTimeout
	srv.TLSConfig = opt.TLS
	srv.EnableSMTPUTF8 = true // RFC 6531; 8BITMIME (RFC 6152) go-smtp always offers
	srv.ErrorLog = slogErrorLog{s.log}
	s.srv = srv
	return s
}

// Serve accepts connections on l until Close or Shutdown. l must be a plain
// listener (TCP or Unix): TLS comes by STARTTLS, and Serve wraps l to apply
// the connection limits.
func (s *Server) Serve(l net.Listener) error {
	if s.conns.isClosing() {
		return nil
	}
	err := s.srv.Serve(&listener{Listener: l, s: s})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// NewSession implements smtp.Backend. go-smtp calls it at the first
// HELO/EHLO/LHLO, not at connect, so the connection limits live in the
// listener instead (limits.go), where a 421 can be the greeting.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if a := c.Conn().RemoteAddr(); a != nil {
		remote = a.String()
	}
	nc := tracked(c.Conn())
	nc.attach(c.Conn())
	return &session{srv: s, conn: c, nc: nc, remote: remote, log: s.log.With("remote", remote)}, nil
}

// acceptable reports whether rcpt is a support address or a plus variant.
func (s *Server) acceptable(rcpt string) bool {
	base, _, ok := support.SplitPlus(rcpt)
	return ok && s.accept[base]
}

type slogErrorLog struct{ l *slog.Logger }

func (e slogErrorLog) Printf(format string, v ...any) { e.l.Warn(fmt.Sprintf(format, v...)) }
func (e slogErrorLog) Println(v ...any)               { e.l.Warn(fmt.Sprint(v...)) }
