package smtpd

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-smtp"
)

// session is one SMTP transaction state machine, per connection.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	remote string
	log    *slog.Logger

	from  string
	rcpts []string
}

func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	s.from = from
	s.rcpts = nil
	return nil
}

// Rcpt accepts only the support addresses: casemail delivers locally and
// relays nothing (RFC 5321 section 3.6.2; an open relay is how spam
// spreads).
func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	if !s.srv.acceptable(to) {
		s.log.Info("recipient refused", "rcpt", to, "from", s.from)
		return errNoSuchUser
	}
	for _, r := range s.rcpts {
		if support.NormalizeAddress(r) == support.NormalizeAddress(to) {
			return nil // the same recipient twice is one delivery
		}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) envelope() support.Envelope {
	return support.Envelope{
		MailFrom:   s.from,
		Rcpts:      append([]string(nil), s.rcpts...),
		Remote:     s.remote,
		Helo:       s.conn.Hostname(),
		ReceivedAt: time.Now().UTC(),
	}
}

// Data reads the message and delivers it once for all recipients: one mail
// to two support addresses is one case.
func (s *session) Data(r io.Reader) error {
	raw, err := readAll(r)
	if err != nil {
		return s.reply(err, "read data")
	}
	d, err := s.srv.deliver.Deliver(context.Background(), s.envelope(), raw)
	if err != nil {
		return s.reply(err, "deliver")
	}
	return accepted(d)
}

// LMTPData gives each recipient its own status (RFC 2033 section 4.2). The
// message is stored once, so every recipient shares the one outcome; the
// per-recipient reply still tells the MTA in front of us exactly which
// deliveries to retry.
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	raw, err := readAll(r)
	var res error
	if err != nil {
		res = s.reply(err, "read data")
	} else if d, derr := s.srv.deliver.Deliver(context.Background(), s.envelope(), raw); derr != nil {
		res = s.reply(derr, "deliver")
	} else {
		res = accepted(d)
	}
	for _, rc := range s.rcpts {
		status.SetStatus(rc, res)
	}
	// A recipient given twice got one SetStatus; go-smtp gives the repeats
	// this return value, so it must be the same outcome, never a bare nil.
	return res
}
