package smtpd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-smtp"
)

// Every reply casemail itself gives is defined here, and every error from
// reading or delivering a message becomes one in reply. go-smtp turns any
// error that is not an *smtp.SMTPError (even a wrapped one) into a
// permanent 554 carrying the error text, which would both lose mail and
// leak internals; so nothing reaches go-smtp without passing through reply.

var (
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such user here: this server accepts mail for its support addresses only"}
	errLocal = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Requested action aborted: local error in processing, try again later"}
	errLineTooLong = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 0},
		Message: "Line too long"}
	errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message size exceeds fixed maximum message size"}
	errHeaderTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message header too large"}
	// RFC 5321 section 6.3: a hop count past a limit means a loop, and the
	// message is refused rather than passed round again. 5.4.6 is "routing
	// loop detected" (RFC 3463).
	errLoop = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 4, 6},
		Message: "Routing loop detected"}

	// The 421s: after each the connection is closed (RFC 5321 section 3.8).
	// 4.7.0 is a policy refusal, 4.3.2 "system not accepting network
	// messages", 4.4.2 a bad connection (RFC 3463).
	errTooManyConns = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many connections, try again later"}
	errConnRate = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many new connections, try again later"}
	errShutdown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Service shutting down, try again later"}
	errDataTimeout = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Timeout waiting for message data, closing connection"}
	errTransferAborted = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 5, 0},
		Message: "Message transfer aborted, closing connection"}
	errDataDesync = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 5, 0},
		Message: "Bare CR in message data, closing connection"}
)

// replyLine is a reply as written on the wire, for the few we send outside
// go-smtp: refusals at accept time and hang-ups.
func replyLine(e *smtp.SMTPError) []byte {
	c := e.EnhancedCode
	return fmt.Appendf(nil, "%d %d.%d.%d %s\r\n", e.Code, c[0], c[1], c[2], e.Message)
}

// isTimeout reports a read deadline passing (os.ErrDeadlineExceeded, which
// crypto/tls passes on too).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// clientGone reports the client going away mid-DATA: nobody reads the
// reply, and it is no server fault worth an error in the log.
func clientGone(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, smtp.ErrDataReset)
}

// reply maps err to what the client is told, and logs the cause, which the
// client never sees.
func (s *session) reply(err error, during string) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge), errors.Is(err, support.ErrTooBig):
		s.log.Info("message refused: too big", "from", s.mailFrom())
		return errTooBig
	case errors.Is(err, smtp.ErrTooLongLine):
		s.log.Info("message refused: line too long", "from", s.mailFrom())
		return errLineTooLong
	case isTimeout(err):
		s.log.Info("message not accepted: client too slow", "from", s.mailFrom())
		return errDataTimeout
	case clientGone(err):
		s.log.Info("message not accepted: client went away", "during", during, "err", err)
		return errLocal
	case errors.As(err, &se):
		s.log.Info("message refused", "during", during, "code", se.Code, "reply", se.Message)
		return se
	default:
		// Storage and anything unforeseen are temporary: the sender keeps
		// the message and retries, so it is not lost.
		s.log.Error("message not accepted", "during", during, "err", err, "from", s.mailFrom())
		return errLocal
	}
}

// accepted is the 250 (an *SMTPError with code 250 is how go-smtp lets a
// backend set the text of a success reply).
func accepted(d support.Delivery) error {
	var text string
	switch {
	case d.Quarantined:
		text = fmt.Sprintf("Ok: queued as %d (kept for review)", d.Seq)
	case d.Duplicate:
		text = fmt.Sprintf("Ok: already have it, case #%d", d.Case)
	default:
		text = fmt.Sprintf("Ok: case #%d", d.Case)
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: text}
}
