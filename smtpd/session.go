package smtpd

import (
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-smtp"
)

// session is one SMTP transaction state machine, per connection. go-smtp
// calls its methods from the connection's goroutine, except Data, which
// runs on a goroutine of its own for LMTP and for BDAT while go-smtp may
// still call Reset (RSET between chunks); mu guards what both touch.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	nc     *conn
	remote string
	log    *slog.Logger

	mu    sync.Mutex
	from  string
	rcpts []string
	// inData is set while Data reads, and until go-smtp's Reset after the
	// reply; deadline is the read deadline Data set last.
	inData   bool
	deadline time.Time
	// hangup asks Reset to close the connection after the transaction's
	// reply; say is what to tell the client first (nil: the reply was
	// already a 421).
	hangup bool
	say    *smtp.SMTPError
}

// Reset ends a transaction: go-smtp calls it after the reply to the data,
// and for RSET and a repeated EHLO.
func (s *session) Reset() {
	s.mu.Lock()
	s.from, s.rcpts = "", nil
	hangup, say := s.hangup, s.say
	// After an early reply to DATA go-smtp reads the rest of the message
	// away under the deadline Data set last. If that deadline passed, it
	// gave up somewhere inside the message: what follows is no command,
	// so the connection cannot go on.
	if s.inData && !hangup && !s.deadline.IsZero() && !time.Now().Before(s.deadline) {
		hangup, say = true, errDataTimeout
	}
	s.inData, s.deadline, s.hangup, s.say = false, time.Time{}, false, nil
	s.mu.Unlock()
	if hangup {
		s.nc.hangup(say, s.log)
		return
	}
	if s.nc.end() {
		s.nc.hangup(errShutdown, s.log)
	}
}

// Logout ends the session: the connection closes, or STARTTLS begins a
// new session.
func (s *session) Logout() error {
	s.nc.detach()
	return nil
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if s.nc.overParked() {
		s.log.Warn("client aborted too many BDAT transfers")
		s.nc.hangup(errTransferAborted, s.log)
		return errTransferAborted
	}
	if !s.nc.begin() {
		return errShutdown // Shutdown hangs up this idle connection
	}
	s.mu.Lock()
	s.from, s.rcpts = from, nil
	s.mu.Unlock()
	return nil
}

// Rcpt accepts only the support addresses: casemail delivers locally and
// relays nothing (RFC 5321 section 3.6.2; an open relay is how spam
// spreads).
func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
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

func (s *session) mailFrom() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.from
}

func (s *session) envelope() support.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return support.Envelope{
		MailFrom: s.from,
		Rcpts:    append([]string(nil), s.rcpts...),
		Remote:   s.remote,
		Helo:     s.conn.Hostname(),
		LMTP:     s.srv.opt.LMTP,
	}
}

// Data reads the message and delivers it once for all recipients: one mail
// to two support addresses is one case.
func (s *session) Data(r io.Reader) error {
	return s.receive(r)
}

// LMTPData gives each recipient its own reply (RFC 2033 section 4.2). The
// message is stored once, so every recipient shares the one outcome, and
// returning it is enough: go-smtp sets it for every recipient not set,
// duplicates included. Calling SetStatus ourselves would panic in go-smtp
// for a recipient it does not hold, and could not tell the MTA more.
func (s *session) LMTPData(r io.Reader, _ smtp.StatusCollector) error {
	return s.receive(r)
}

// receive is the transaction's end: read, check, deliver, reply. A 421 is
// followed by closing the connection (RFC 5321 section 3.8).
func (s *session) receive(r io.Reader) error {
	env := s.envelope() // the transaction the data belongs to
	raw, err := s.read(r)
	var res *smtp.SMTPError
	if err != nil {
		res = s.reply(err, "read data")
	} else {
		env.ReceivedAt = time.Now().UTC()
		d, derr := s.srv.deliver.Deliver(s.srv.ctx, env, raw)
		if derr != nil {
			res = s.reply(derr, "deliver")
		} else {
			return accepted(d)
		}
	}
	if res.Code == 421 {
		s.mu.Lock()
		s.hangup = true // go-smtp sends res; Reset then closes
		s.mu.Unlock()
	}
	return res
}
