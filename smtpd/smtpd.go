// Package smtpd is casemail's SMTP (RFC 5321) and LMTP (RFC 2033) listener,
// built on go-smtp. It speaks the protocol, enforces the recipient policy
// and the limits, and hands each message to a Deliverer; it answers 250
// only when the Deliverer returns, that is, once the message is on disk.
//
// It never imports the store: storage is behind Deliverer, and every error
// that comes back is mapped to a reply code in one place (errors.go).
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
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

// Options configure a Server.
type Options struct {
	// Addresses are the support addresses accepted as recipients, with
	// their plus variants (support+anything@domain). Nothing else is: this
	// is not a relay.
	Addresses       []string
	Hostname        string
	MaxMessageBytes int64
	MaxRecipients   int
	MaxLineLength   int
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	// TLS enables STARTTLS when set.
	TLS    *tls.Config
	LMTP   bool
	Logger *slog.Logger
}

// Server is one listener's worth of SMTP or LMTP.
type Server struct {
	srv     *smtp.Server
	deliver Deliverer
	accept  map[string]bool
	log     *slog.Logger
}

// New returns a Server that hands mail to d.
func New(d Deliverer, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	proto := "smtp"
	if opt.LMTP {
		proto = "lmtp"
	}
	s := &Server{deliver: d, accept: map[string]bool{}, log: opt.Logger.With("proto", proto)}
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
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = slogErrorLog{s.log}
	s.srv = srv
	return s
}

// Serve accepts connections on l until Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// sessions to finish; then it closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	return err
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if a := c.Conn().RemoteAddr(); a != nil {
		remote = a.String()
	}
	return &session{srv: s, conn: c, remote: remote, log: s.log.With("remote", remote)}, nil
}

// acceptable reports whether rcpt is a support address or a plus variant.
func (s *Server) acceptable(rcpt string) bool {
	base, _, ok := support.SplitPlus(rcpt)
	return ok && s.accept[base]
}

type slogErrorLog struct{ l *slog.Logger }

func (e slogErrorLog) Printf(format string, v ...any) { e.l.Warn(fmt.Sprintf(format, v...)) }
func (e slogErrorLog) Println(v ...any)               { e.l.Warn(fmt.Sprint(v...)) }

// readAll reads the message data. go-smtp's reader enforces the size and
// line limits and reports them as errors that errors.go maps.
func readAll(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 16*1024)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
