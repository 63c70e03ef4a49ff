// Package mailparse turns the raw bytes of a mail into a support.Message:
// headers, addresses and dates (RFC 5322), the MIME tree (RFC 2045-2049),
// encoded words in headers (RFC 2047), encoded and continued parameters such
// as attachment names (RFC 2231), format=flowed text (RFC 3676), the
// automatic-response headers (RFC 3834), legacy charsets, HTML bodies turned
// into text, and the reply text without its quotation.
//
// It owns nothing but bytes: no I/O, no global state, and it never panics.
// Real mail is broken in every way a standard allows and many it does not,
// so the parser tolerates what it can, says what it tolerated in
// Message.Notes, and refuses only two things: input with no header block at
// all, and MIME structures beyond the limits (a "MIME bomb" costs a naive
// walker minutes and hundreds of megabytes; this one stops in milliseconds).
package mailparse

import "errors"

// Errors that tell the caller to quarantine the message instead of filing it.
var (
	// ErrLimit means the MIME nesting or the number of parts went beyond
	// Limits. The message returned with it still has its headers parsed.
	ErrLimit = errors.New("mime structure beyond limits")
	// ErrUnparseable means there is no usable header block: empty input,
	// binary garbage, a file that is not a mail.
	ErrUnparseable = errors.New("no usable header block")
)

// Limits bound the work done on one message.
type Limits struct {
	MaxDepth int // how deep multiparts may nest below the top-level entity
	MaxParts int // how many MIME entities in all, the top level included
}

// DefaultLimits are generous for real mail (Outlook forwards of forwards
// reach a depth of 8 to 10, newsletters a few dozen parts) and cheap to
// enforce.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 30, MaxParts: 1000}
}

// orDefault fills zero or negative fields from DefaultLimits, so that a
// caller with an unset Options struct still gets protection rather than a
// parser that refuses every multipart.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	return l
}
