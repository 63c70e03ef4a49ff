package smtpd

import "bytes"

// The end of data, and SMTP smuggling.
//
// RFC 5321 section 4.1.1.4 ends a message with <CRLF>.<CRLF> and section
// 2.3.8 allows CR and LF only together. Smuggling (SEC Consult, December
// 2023; https://www.postfix.org/smtp-smuggling.html) needs a receiver that
// ends the data on something else, such as <LF>.<LF> or <LF>.<CRLF>, which
// a relay in front passed on as message text: what follows it is then read
// as commands, a second MAIL FROM the relay never sent.
//
// go-smtp v0.25.1's dataReader cannot be led there: it ends the data only
// on "." CRLF at the start of a line, and a line starts only after CRLF;
// a bare LF never starts one, so <LF>.<CRLF>, <LF>.<LF>, <CRLF>.<LF> and
// <CR>.<CR> inside a message are text (tests in smuggling_test.go). That
// is what Postfix's smtpd_forbid_bare_newline = normalize (the default
// since 3.9) requires of the end of data, and go-smtp already reads
// commands ending in bare LF the way "normalize" does. Bare newlines are
// kept in the stored message as they came: the parser reads them, and
// the stored bytes stay the ones received.
//
// go-smtp errs the other way, though: it misses ends. Its state machine
// drops a CR that follows a CR (textproto's, which it copied, unreads it),
// so after <CR><CR><LF> it is not at the start of a line. A relay passing a
// last line that ends in a bare CR sends "text<CR><CR><LF>.<CRLF>": go-smtp
// reads on past the end, as message data, the relay's next commands, up to
// some later <CRLF>.<CRLF>. The same slip keeps a stuffed dot after
// <CR><CR><LF> in the message. Nothing can be injected that way, but
// messages merge or hang, so dotEnd reads the reader's output once more,
// tracking both go-smtp's state and RFC 5321's, and where only the RFC's
// sees a line start it removes the stuffed dot and finds the end. Then
// read stops, and the connection is closed after the reply (session.desync),
// since go-smtp has lost its place.
//
// dotEnd assumes the client dot-stuffs, as every relay does. A client that
// does not (sending ".<CR><CR><LF>") can still confuse go-smtp, but only
// within its own session: it can swallow its own commands, not inject any.

type dotState uint8

const (
	lineStart dotState = iota // after CRLF, or at the start of the data
	inLine
	afterCR
	afterDot   // RFC state only: a line began with '.', held back
	afterDotCR // RFC state only: ".<CR>" held back
)

// dotEnd is fed what go-smtp's reader returns.
type dotEnd struct {
	gosmtp, rfc dotState
	out         []byte
}

// scan returns the data with the RFC's dot unstuffing applied where go-smtp
// missed it, and whether the RFC's end of data was reached; then the rest
// of p is not message data.
func (d *dotEnd) scan(p []byte) ([]byte, bool) {
	d.out = d.out[:0]
	for i := 0; i < len(p); i++ {
		// Fast path: inside a line both machines only copy bytes until the
		// next CR or LF, so copy the run at once rather than byte by byte.
		if d.gosmtp == inLine && d.rfc == inLine {
			j := bytes.IndexAny(p[i:], "\r\n")
			if j < 0 {
				d.out = append(d.out, p[i:]...)
				return d.out, false
			}
			d.out = append(d.out, p[i:i+j]...)
			i += j
		}
		b := p[i]
		g := d.gosmtp
		d.gosmtp = goSMTPNext(g, b)
		if g == lineStart {
			// In step (go-smtp is at a line start only when the RFC is),
			// and go-smtp has already taken any stuffed dot out.
			d.rfc = inLine
			if b == '\r' {
				d.rfc = afterCR
			}
			d.out = append(d.out, b)
			continue
		}
		if d.rfcNext(b) {
			return d.out, true
		}
	}
	return d.out, false
}

// goSMTPNext is go-smtp's state machine as seen from its output, where a
// stuffed dot is already gone. Its slip: after CR anything but LF,
// another CR included, leaves it inside a line.
func goSMTPNext(s dotState, b byte) dotState {
	switch {
	case s == afterCR && b == '\n':
		return lineStart
	case b == '\r':
		if s == afterCR {
			return inLine
		}
		return afterCR
	}
	return inLine
}

// rfcNext steps RFC 5321's state machine, emitting the message bytes; it
// reports the end of data.
func (d *dotEnd) rfcNext(b byte) bool {
	switch d.rfc {
	case lineStart:
		if b == '.' {
			d.rfc = afterDot
			return false
		}
	case afterDot:
		if b == '\r' {
			d.rfc = afterDotCR
			return false
		}
		// Section 4.5.2: a line starting with a dot loses that dot.
		d.rfc = inLine
		d.out = append(d.out, b)
		return false
	case afterDotCR:
		if b == '\n' {
			return true
		}
		d.out = append(d.out, '\r') // the dot goes, the CR stays
		d.rfc = afterCR
	}
	switch {
	case b == '\n' && d.rfc == afterCR:
		d.rfc = lineStart
	case b == '\r':
		d.rfc = afterCR
	default:
		d.rfc = inLine
	}
	d.out = append(d.out, b)
	return false
}
