package smtpd

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Connection limits. go-smtp greets every connection it accepts and asks
// the Backend for a session only at EHLO, so a limit enforced there would
// come after a 220 and hold a goroutine per flooding client. The listener
// below decides at accept time instead: a refused client reads one 421 line
// as its greeting and the connection is closed (RFC 5321 section 3.8).
// Postfix does the same through anvil(8) with smtpd_client_connection_count_limit
// and smtpd_client_connection_rate_limit.

// hangupWriteTimeout bounds writing a last 421 to a client that may not be
// reading: the connection is closed either way.
const hangupWriteTimeout = 2 * time.Second

// connTable counts live connections in all and per peer, meters new ones
// per peer, and lists them so that Shutdown can reach the idle ones.
type connTable struct {
	mu    sync.Mutex
	total int
	peers map[string]*peer
	all   map[*conn]struct{}
	swept time.Time
	// closing is set, under mu, by Shutdown; sessions read it under their
	// conn's mu, which Shutdown takes after setting it (see begin and end).
	closing atomic.Bool
}

// peer is one client address: its live connections and its token bucket.
type peer struct {
	conns  int
	tokens float64
	last   time.Time
}

func (t *connTable) init() {
	t.peers = map[string]*peer{}
	t.all = map[*conn]struct{}{}
}

func (t *connTable) isClosing() bool { return t != nil && t.closing.Load() }

// peerKey is what the per-address limits count: an IPv4 address, or the
// IPv6 /64 around it, since a single host is commonly given a whole /64
// and could otherwise open MaxConnsPerIP connections from each of its
// addresses (mox limits by /64 for the same reason). Unix-socket peers
// have no address, and loopback ones are exempt unless limitLoopback:
// "", which only MaxConns counts.
func peerKey(a net.Addr, limitLoopback bool) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return ""
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok || ip.IsLoopback() && !limitLoopback {
		return ""
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip, 64).Masked().String()
}

// admit counts a new connection, or says which 421 refuses it.
func (s *Server) admit(nc net.Conn) (*conn, *smtp.SMTPError) {
	key := peerKey(nc.RemoteAddr(), s.opt.LimitLoopback)
	now := s.now()
	t := &s.conns
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing.Load() {
		return nil, errShutdown
	}
	if s.opt.MaxConns > 0 && t.total >= s.opt.MaxConns {
		return nil, errTooManyConns
	}
	if key != "" {
		p := s.peer(key, now)
		// Every attempt takes a token, refused or not, as Postfix's anvil
		// counts connection attempts: hammering while at the count limit
		// must not keep the bucket full.
		if s.opt.ConnRatePerMinute > 0 {
			if p.tokens < 1 {
				return nil, errConnRate
			}
			p.tokens--
		}
		if s.opt.MaxConnsPerIP > 0 && p.conns >= s.opt.MaxConnsPerIP {
			return nil, errTooManyConns
		}
		p.conns++
	}
	t.total++
	c := newConn(nc, t, key)
	t.all[c] = struct{}{}
	return c, nil
}

// peer returns key's entry with its bucket refilled to now. Called with
// t.mu held. Entries that are idle and full again are dropped once a
// minute, so the map holds only the addresses seen in the last refill time
// (ConnBurst/ConnRatePerMinute minutes) or still connected.
func (s *Server) peer(key string, now time.Time) *peer {
	t := &s.conns
	burst, rate := float64(s.opt.ConnBurst), float64(s.opt.ConnRatePerMinute)
	refill := func(p *peer) {
		p.tokens = min(burst, p.tokens+now.Sub(p.last).Minutes()*rate)
		p.last = now
	}
	if now.Sub(t.swept) > time.Minute {
		for k, p := range t.peers {
			refill(p)
			if p.conns == 0 && p.tokens >= burst {
				delete(t.peers, k)
			}
		}
		t.swept = now
	}
	p := t.peers[key]
	if p == nil {
		p = &peer{tokens: burst, last: now}
		t.peers[key] = p
	}
	refill(p)
	return p
}

func (t *connTable) release(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total--
	delete(t.all, c)
	if p := t.peers[c.key]; c.key != "" && p != nil {
		p.conns--
	}
}

// listener applies the connection limits at accept time.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c, refused := l.s.admit(nc)
		if refused == nil {
			return c, nil
		}
		l.s.log.Info("connection refused", "remote", nc.RemoteAddr().String(), "reply", refused.Message)
		// A fresh socket's send buffer takes one line at once; the deadline
		// only guards the accept loop against the impossible.
		nc.SetWriteDeadline(time.Now().Add(hangupWriteTimeout))
		nc.Write(replyLine(refused))
		nc.Close()
	}
}

// conn is an admitted connection. Closing it, by whoever first, gives its
// place back. Its state tells Shutdown whether the session is in the middle
// of a mail transaction.
type conn struct {
	net.Conn
	table *connTable // nil for a connection not admitted by a listener
	key   string
	once  sync.Once // gives the place back

	mu sync.Mutex
	// busy is set from MAIL until the transaction's final reply.
	busy bool
	// gone is set when we hang up: nothing more is started.
	gone bool
	// reply is where replies go: the TLS connection after STARTTLS. Nil
	// before a session, and after one ends.
	reply net.Conn
	// hadSession is set once a session began: a connection that has none
	// any more may be inside TLS, and a clear-text 421 would be garbage.
	hadSession bool
	// eof is set when the client has closed its side.
	eof atomic.Bool
	// done is closed with the connection; parked counts the goroutines
	// waiting for it (see park).
	done     chan struct{}
	doneOnce sync.Once
	parked   atomic.Int32
}

// maxParked bounds the goroutines one connection may park: past it, the
// client is hung up on at its next MAIL, and go-smtp then ends the
// session, which frees them all.
const maxParked = 8

func newConn(nc net.Conn, t *connTable, key string) *conn {
	return &conn{Conn: nc, table: t, key: key, done: make(chan struct{})}
}

// park holds go-smtp's BDAT goroutine until the connection is closed. A
// BDAT transfer (RFC 3030) cut off by RSET, EHLO, STARTTLS or a 552 for
// size leaves Data running on that goroutine, which, when Data returns,
// hands the result to go-smtp through a field that a new transaction may
// by then have pointed at its own channel: go-smtp would take the old
// "aborted" for the new transaction's outcome and answer 4xx for a message
// that was stored. Held until the connection ends, its result goes where
// nobody reads it. go-smtp cannot be asked whether such a goroutine exists
// (after "BDAT 0" it may not even have called Data yet), so it is the
// goroutine that waits.
func (c *conn) park() {
	c.parked.Add(1)
	<-c.done
	c.parked.Add(-1)
}

// overParked reports a client that parked too many goroutines. Mail checks
// it and hangs up: that stops new transfers, from go-smtp's own goroutine,
// so that no transaction is cut between its delivery and its 250.
func (c *conn) overParked() bool { return c.parked.Load() > maxParked }

// tracked finds our conn under what go-smtp holds: itself, or the TLS
// connection STARTTLS put on top of it. A connection that did not come
// through a listener (never in casemail) gets an untracked one.
func tracked(nc net.Conn) *conn {
	switch v := nc.(type) {
	case *conn:
		return v
	case *tls.Conn:
		if c, ok := v.NetConn().(*conn); ok {
			return c
		}
	}
	return newConn(nc, nil, "")
}

// Read notes the client's end of stream (see session.read on BDAT).
func (c *conn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err == io.EOF {
		c.eof.Store(true)
	}
	return n, err
}

// Close is go-smtp closing the connection. After it go-smtp's connection
// goroutine touches nothing a BDAT goroutine reads, so parked ones may go.
func (c *conn) Close() error {
	c.doneOnce.Do(func() { close(c.done) })
	return c.shut()
}

// shut closes the socket and gives the place back; our hang-ups use it,
// as go-smtp may still be finishing a command then.
func (c *conn) shut() error {
	c.once.Do(func() {
		if c.table != nil {
			c.table.release(c)
		}
	})
	return c.Conn.Close()
}

// attach records where a new session's replies go.
func (c *conn) attach(reply net.Conn) {
	c.mu.Lock()
	c.reply, c.hadSession = reply, true
	c.mu.Unlock()
}

// detach forgets the session's writer: STARTTLS ends a session before the
// next one, on TLS, begins.
func (c *conn) detach() {
	c.mu.Lock()
	c.reply, c.busy = nil, false
	c.mu.Unlock()
}

// begin marks a transaction started, unless we are shutting down. Reading
// closing under c.mu is what closes the race with beginShutdown: either
// it sees this conn busy, or this sees closing.
func (c *conn) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone || c.table.isClosing() {
		return false
	}
	c.busy = true
	return true
}

// end marks the transaction over; it reports whether the session must now
// be hung up because the server is shutting down.
func (c *conn) end() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = false
	if c.table.isClosing() && !c.gone {
		c.gone = true
		return true
	}
	return false
}

// hangup sends reply, when not nil, and closes the connection. It is safe
// while go-smtp reads or writes the same connection: Write is atomic per
// call on a net.Conn and on a tls.Conn, and the close makes go-smtp's
// read fail, which ends its session.
func (c *conn) hangup(reply *smtp.SMTPError, log *slog.Logger) {
	c.mu.Lock()
	c.gone = true
	w := c.reply
	if w == nil && !c.hadSession {
		w = c.Conn
	}
	c.mu.Unlock()
	if reply != nil && w != nil {
		w.SetWriteDeadline(time.Now().Add(hangupWriteTimeout))
		if _, err := w.Write(replyLine(reply)); err != nil {
			log.Debug("hangup reply not sent", "err", err)
		}
	}
	c.shut()
}
