package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLSMode says how the smarthost connection uses STARTTLS.
type TLSMode string

const (
	TLSRequired      TLSMode = "required"      // no STARTTLS, no delivery
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when offered
	TLSOff           TLSMode = "off"           // never (a smarthost on loopback)
)

// SMTPSender delivers through a smarthost with the go-smtp client.
type SMTPSender struct {
	Addr     string // host:port
	Helo     string
	TLS      TLSMode
	TLSConf  *tls.Config // nil: verify against the smarthost's host name
	Username string      // AUTH PLAIN when set (only over TLS unless TLSOff)
	Password string

	ConnectTimeout time.Duration
	CommandTimeout time.Duration
	// DataTimeout bounds each write of the message body and the wait for
	// the final reply. go-smtp sets no deadline on body writes, so a
	// smarthost that stops reading would hang the sender forever.
	DataTimeout time.Duration
}

// SendError is a delivery failure with what the smarthost said.
type SendError struct {
	Code      int
	Text      string
	Temporary bool
	// Connect marks a failure to reach the smarthost at all (refused, timed
	// out, no greeting): nothing about this message, everything about the
	// relay.
	Connect bool
	Err     error
}

func (e *SendError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("smarthost %d: %s", e.Code, e.Text)
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// Send delivers raw from the envelope sender from to rcpt. Network errors
// and 4xx replies are temporary; 5xx replies are permanent.
func (s *SMTPSender) Send(ctx context.Context, from, rcpt string, raw []byte) error {
	err := s.send(ctx, from, rcpt, raw)
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var se2 *smtp.SMTPError
	if errors.As(err, &se2) {
		return &SendError{Code: se2.Code, Text: se2.Message, Temporary: se2.Code < 500, Err: err}
	}
	return &SendError{Temporary: true, Connect: errors.Is(err, errConnect), Err: err}
}

func (s *SMTPSender) send(ctx context.Context, from, rcpt string, raw []byte) error {
	c, dc, err := s.dial(ctx, s.TLS != TLSOff)
	if errors.Is(err, errNoSTARTTLS) && s.TLS == TLSOpportunistic {
		c, dc, err = s.dial(ctx, false)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	dc.writeTimeout = s.DataTimeout
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	dc.writeTimeout = 0
	c.Quit() // delivered: a failing QUIT changes nothing
	return nil
}

var (
	errNoSTARTTLS = errors.New("smarthost does not offer STARTTLS")
	errConnect    = errors.New("cannot connect to smarthost")
)

// dial connects and says hello, with STARTTLS when withTLS. go-smtp only
// offers STARTTLS through NewClientStartTLS, whose first EHLO uses its
// default name; our name is given in the EHLO after TLS, the one that counts.
func (s *SMTPSender) dial(ctx context.Context, withTLS bool) (*smtp.Client, *deadlineConn, error) {
	d := net.Dialer{Timeout: s.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("%w %s: %w", errConnect, s.Addr, err)
	}
	dc := &deadlineConn{Conn: conn}
	// The greeting, EHLO and TLS handshake happen under one deadline.
	conn.SetDeadline(time.Now().Add(s.ConnectTimeout + s.CommandTimeout))
	var c *smtp.Client
	if withTLS {
		conf := s.TLSConf
		if conf == nil {
			host, _, _ := net.SplitHostPort(s.Addr)
			conf = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		c, err = smtp.NewClientStartTLS(dc, conf)
		if err != nil {
			conn.Close()
			if strings.Contains(err.Error(), "doesn't support STARTTLS") {
				return nil, nil, fmt.Errorf("%s: %w", s.Addr, errNoSTARTTLS)
			}
			return nil, nil, fmt.Errorf("STARTTLS with %s: %w", s.Addr, err)
		}
	} else {
		c = smtp.NewClient(dc)
	}
	c.CommandTimeout = s.CommandTimeout
	c.SubmissionTimeout = s.DataTimeout
	if err := c.Hello(s.Helo); err != nil {
		c.Close()
		return nil, nil, err
	}
	conn.SetDeadline(time.Time{})
	return c, dc, nil
}

// deadlineConn gives every write a rolling deadline while writeTimeout is
// set: a body that keeps moving may take long, a stalled one may not.
type deadlineConn struct {
	net.Conn
	writeTimeout time.Duration
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if c.writeTimeout > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	return c.Conn.Write(p)
}
