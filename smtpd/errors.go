package smtpd

import (
	"errors"
	"fmt"

	"github.com/casemail/casemail/support"
	"github.com/emersion/go-smtp"
)

// Every reply code casemail sends after MAIL FROM is decided here. go-smtp
// turns any error that is not an *smtp.SMTPError (even a wrapped one) into
// a permanent 554 carrying the error text, which would both lose mail and
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
)

// reply maps err to what the client is told, and logs the cause, which the
// client never sees.
func (s *session) reply(err error, during string) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	case errors.Is(err, smtp.ErrDataTooLarge), errors.Is(err, support.ErrTooBig):
		s.log.Info("message refused: too big", "from", s.from)
		return errTooBig
	case errors.Is(err, smtp.ErrTooLongLine):
		s.log.Info("message refused: line too long", "from", s.from)
		return errLineTooLong
	case errors.As(err, &se):
		s.log.Info("message refused", "during", during, "code", se.Code, "reply", se.Message)
		return se
	default:
		// Storage and anything unforeseen are temporary: the sender keeps
		// the message and retries, so it is not lost.
		s.log.Error("message not accepted", "during", during, "err", err, "from", s.from)
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
