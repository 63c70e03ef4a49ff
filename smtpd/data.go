package smtpd

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// read reads a message's data, checking it on the way: the header limits
// (checked before anything is delivered), the pace of the client, and the
// end of data (dotend.go). go-smtp's reader has already undone the dot
// stuffing and enforces MaxMessageBytes and MaxLineLength.
//
// After a refusal read goes on reading the message to its end, under the
// same pace, so that the reply comes after the client's final dot as RFC
// 5321 section 4.1.1.4 expects, and never in the middle of its data.
func (s *session) read(r io.Reader) ([]byte, error) {
	// go-smtp gives DATA its dot-reader and BDAT (RFC 3030) a pipe fed with
	// counted chunks: no dots there, and the chunks are read by go-smtp's
	// own goroutine under ReadTimeout each, so only the total cap applies.
	_, bdat := r.(*io.PipeReader)
	p := s.pace(r, !bdat)
	// The read chunk and the end-of-data scanner's output are scratch
	// space: pooled, they are not garbage for every message.
	scratch := readPool.Get().(*readScratch)
	defer readPool.Put(scratch)
	var end *dotEnd
	if !bdat {
		end = &scratch.end
		*end = dotEnd{out: end.out[:0]}
	}
	h := headerCheck{max: s.srv.opt.MaxHeaderBytes, maxReceived: s.srv.opt.MaxReceived}
	buf := make([]byte, 0, 16<<10)
	chunk := scratch.chunk[:]
	var refused error
	for {
		n, err := p.Read(chunk)
		data, ended := chunk[:n], false
		if end != nil {
			data, ended = end.scan(data)
		}
		if refused == nil {
			if refused = h.check(data); refused != nil {
				buf = nil
			} else {
				buf = append(buf, data...)
			}
		}
		if ended {
			s.desync()
			return buf, refused
		}
		switch {
		case err == io.EOF && bdat && s.nc.eof.Load():
			// go-smtp copies a BDAT chunk with io.Copy, which takes the
			// client closing mid-chunk for the chunk's end: the message
			// would be stored cut short, and its full copy, sent again,
			// dropped as a duplicate. The client's EOF arriving before
			// the last chunk was complete tells it apart, since go-smtp
			// reads no further than the chunk needs.
			return nil, io.ErrUnexpectedEOF
		case err == io.EOF:
			return buf, refused
		case bdat && errors.Is(err, smtp.ErrDataReset):
			s.nc.park()
			return nil, err
		case isTimeout(err) || err == errDataTimeout:
			// go-smtp reads what is left before it replies: a deadline in
			// the past has it send the 421 now.
			if p.nc != nil {
				p.nc.SetReadDeadline(time.Unix(1, 0))
			}
			return nil, errDataTimeout
		case err != nil:
			// go-smtp reads the rest of the message away before it
			// replies: give it the client's real deadline, not a poll.
			p.setDeadline(p.deadline(), false)
			if refused != nil {
				return nil, refused // e.g. too big as well: the first reason
			}
			return nil, err
		}
	}
}

type readScratch struct {
	chunk [16 << 10]byte
	end   dotEnd
}

var readPool = sync.Pool{New: func() any { return new(readScratch) }}

// desync handles an end of data that go-smtp's reader did not see (see
// dotend.go): the client now waits for our reply while go-smtp reads on.
// A read deadline in the past makes go-smtp stop reading at once and send
// the reply; then the connection is closed, since the client's next
// command is already lost in go-smtp's buffer.
func (s *session) desync() {
	s.conn.Conn().SetReadDeadline(time.Unix(1, 0))
	s.mu.Lock()
	s.hangup, s.say = true, errDataDesync
	s.mu.Unlock()
}

// pacer sets the read deadline before every read of the data. go-smtp sets
// one deadline per command line, ReadTimeout, so alone it would give a
// whole message ReadTimeout, however long, and a client trickling a byte a
// minute could keep it forever.
//
// The scheme is Postfix's smtpd_min_data_rate: the client starts with
// DataStallTimeout of credit; time spent waiting uses it up, and each byte
// earns 1/MinDataRate seconds more, never above DataStallTimeout. So a
// client may stall for at most DataStallTimeout, must average MinDataRate,
// and the whole DATA phase never outlasts DataTimeout.
//
// go-smtp's reader returns only once it has filled the buffer or met the
// end it knows; so that read sees data that has come, every read also
// times out after pollInterval, which is no error (TLS too takes a read
// timeout as temporary). That is how dotEnd sees an end go-smtp misses.
type pacer struct {
	s      *session
	r      io.Reader
	nc     net.Conn // nil: no deadlines (BDAT)
	stall  time.Duration
	rate   float64   // bytes per second; 0: only the stall limit
	end    time.Time // zero: no total cap
	credit time.Time
}

const pollInterval = 100 * time.Millisecond

func (s *session) pace(r io.Reader, deadlines bool) *pacer {
	o, now := s.srv.opt, time.Now()
	stall := o.DataStallTimeout
	if stall == 0 {
		stall = o.ReadTimeout // no stall limit of its own: the idle timeout
	}
	p := &pacer{s: s, r: r, stall: stall, rate: float64(o.MinDataRate), credit: now.Add(stall)}
	if o.DataTimeout > 0 {
		p.end = now.Add(o.DataTimeout)
	}
	if deadlines {
		p.nc = s.conn.Conn()
	}
	s.mu.Lock()
	s.inData = true
	s.mu.Unlock()
	return p
}

// deadline is when the client's time runs out (zero: never).
func (p *pacer) deadline() time.Time {
	dl := p.end
	if p.stall > 0 && (dl.IsZero() || p.credit.Before(dl)) {
		dl = p.credit
	}
	return dl
}

// setDeadline sets the read deadline, sooner than dl when polling, and
// records dl for Reset.
func (p *pacer) setDeadline(dl time.Time, poll bool) {
	if p.nc == nil {
		return
	}
	set := dl
	if next := time.Now().Add(pollInterval); poll && (set.IsZero() || next.Before(set)) {
		set = next
	}
	p.nc.SetReadDeadline(set) // zero: none, as the limits say
	p.s.mu.Lock()
	p.s.deadline = dl
	p.s.mu.Unlock()
}

func (p *pacer) Read(b []byte) (int, error) {
	if !p.end.IsZero() && !time.Now().Before(p.end) {
		return 0, errDataTimeout
	}
	dl := p.deadline()
	p.setDeadline(dl, true)
	n, err := p.r.Read(b)
	now := time.Now()
	if isTimeout(err) && (dl.IsZero() || now.Before(dl)) {
		err = nil // the poll
	}
	if n > 0 {
		if p.rate > 0 {
			p.credit = p.credit.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
		}
		if limit := now.Add(p.stall); p.rate <= 0 || p.credit.After(limit) {
			p.credit = limit
		}
	}
	return n, err
}

// headerCheck watches the header block go by: its size, and the number of
// Received fields, one per hop (RFC 5321 section 4.4), whose excess is how
// section 6.3 says to detect a loop. The block ends at the first empty line.
type headerCheck struct {
	max, maxReceived int // 0: no limit
	n, received      int
	done             bool
	line             []byte // the start of the current line
	lineLen          int
}

// fieldPrefix is as much of a line as needed to tell a Received field.
const fieldPrefix = 32

func (h *headerCheck) check(p []byte) error {
	for _, b := range p {
		if h.done {
			return nil
		}
		h.n++
		if h.max > 0 && h.n > h.max {
			return errHeaderTooBig
		}
		if b != '\n' {
			if len(h.line) < fieldPrefix {
				h.line = append(h.line, b)
			}
			h.lineLen++
			continue
		}
		// A line ends. Bare LF counts as an end too: the parser reads
		// such messages that way, and the check must see what it sees.
		line := bytes.TrimSuffix(h.line, []byte{'\r'})
		switch {
		case h.lineLen == 0 || h.lineLen == 1 && len(line) == 0:
			h.done = true
		case isReceived(line):
			h.received++
			if h.maxReceived > 0 && h.received > h.maxReceived {
				return errLoop
			}
		}
		h.line, h.lineLen = h.line[:0], 0
	}
	return nil
}

// isReceived reports whether line starts a Received field: a continuation
// line (leading white space) does not, and RFC 5322's obsolete syntax
// allows white space before the colon.
func isReceived(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte{':'})
	return ok && bytes.EqualFold(bytes.TrimRight(name, " \t"), []byte("Received"))
}
