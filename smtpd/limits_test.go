package smtpd

import (
	"bufio"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMaxConns: past MaxConns the greeting is a 421 and the connection is
// closed; a place freed is a place again.
func TestMaxConns(t *testing.T) {
	opt := testOptions()
	opt.MaxConns, opt.MaxConnsPerIP = 3, -1
	addr := start(t, New(&recorder{}, opt))
	var cs []*client
	for range 3 {
		c := dial(t, "tcp", addr)
		c.expect(220, "mx.test")
		cs = append(cs, c)
	}
	over := dial(t, "tcp", addr)
	over.expect(421, "4.7.0 Too many connections, try again later")
	over.expectClosed()

	// The server gives the place back before it closes, so EOF here means
	// the next connection fits.
	cs[0].send("QUIT\r\n")
	cs[0].expect(221, "")
	cs[0].expectClosed()
	dial(t, "tcp", addr).expect(220, "mx.test")
}

func TestMaxConnsPerIP(t *testing.T) {
	opt := testOptions()
	opt.MaxConnsPerIP, opt.LimitLoopback = 2, true
	addr := start(t, New(&recorder{}, opt))
	for range 2 {
		dial(t, "tcp", addr).expect(220, "")
	}
	over := dial(t, "tcp", addr)
	over.expect(421, "4.7.0 Too many connections")
	over.expectClosed()

	// Another address has its own count (all of 127/8 is loopback).
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	other := &client{t: t, Conn: nc, r: bufio.NewReader(nc)}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	other.expect(220, "")
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestConnRate: a burst of ConnBurst, then ConnRatePerMinute a minute.
func TestConnRate(t *testing.T) {
	opt := testOptions()
	opt.ConnRatePerMinute, opt.ConnBurst, opt.LimitLoopback = 60, 3, true
	s := New(&recorder{}, opt)
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.now = clk.now
	addr := start(t, s)
	connect := func() (int, string) {
		c := dial(t, "tcp", addr)
		defer c.Close()
		return c.reply()
	}
	for i := range 3 {
		if code, text := connect(); code != 220 {
			t.Fatalf("connection %d: %d %s", i, code, text)
		}
	}
	if code, text := connect(); code != 421 || text != "4.7.0 Too many new connections, try again later" {
		t.Fatalf("past the burst: %d %q", code, text)
	}
	clk.add(time.Second) // one token back at 60 a minute
	if code, _ := connect(); code != 220 {
		t.Fatalf("after a second: %d", code)
	}
	if code, _ := connect(); code != 421 {
		t.Fatalf("second one after a second: %d", code)
	}
}

// TestLoopbackExempt: by default the relay on loopback is held only to
// MaxConns.
func TestLoopbackExempt(t *testing.T) {
	opt := testOptions()
	opt.MaxConns, opt.MaxConnsPerIP, opt.ConnRatePerMinute, opt.ConnBurst = 3, 1, 1, 1
	addr := start(t, New(&recorder{}, opt))
	for range 3 {
		dial(t, "tcp", addr).expect(220, "")
	}
	over := dial(t, "tcp", addr)
	over.expect(421, "4.7.0 Too many connections")
	if k := peerKey(&net.TCPAddr{IP: net.ParseIP("::1")}, false); k != "" {
		t.Errorf("::1 counted as %q", k)
	}
}

// TestUnixPeersCountTowardTotalOnly: an LMTP socket has no client address,
// so only MaxConns applies.
func TestUnixPeersCountTowardTotalOnly(t *testing.T) {
	opt := testOptions()
	opt.LMTP, opt.MaxConns, opt.MaxConnsPerIP, opt.ConnRatePerMinute, opt.ConnBurst = true, 3, 1, 1, 1
	s := New(&recorder{}, opt)
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	for range 3 {
		dial(t, "unix", sock).expect(220, "mx.test LMTP")
	}
	over := dial(t, "unix", sock)
	over.expect(421, "4.7.0 Too many connections")
	over.expectClosed()
}

func TestPeerKey(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 25}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7")}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:aaaa::1")}, "2001:db8:1:2::/64"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:bbbb::9")}, "2001:db8:1:2::/64"},
		{&net.UnixAddr{Name: "@", Net: "unix"}, ""},
		{&net.TCPAddr{}, ""},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1")}, "127.0.0.1"},
	} {
		if got := peerKey(tt.addr, true); got != tt.want {
			t.Errorf("peerKey(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestPeersForgotten: idle addresses whose bucket is full again leave the
// table, so a scan from many addresses does not grow it for ever.
func TestPeersForgotten(t *testing.T) {
	opt := testOptions()
	opt.ConnRatePerMinute, opt.ConnBurst = 60, 30
	s := New(&recorder{}, opt)
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.now = clk.now
	for i := range 100 {
		c, refused := s.admit(fakeConn{&net.TCPAddr{IP: net.IPv4(192, 0, 2, byte(i))}})
		if refused != nil {
			t.Fatal(refused)
		}
		c.Close()
	}
	clk.add(2 * time.Minute)
	c, _ := s.admit(fakeConn{&net.TCPAddr{IP: net.IPv4(198, 51, 100, 1)}})
	c.Close()
	if n := len(s.conns.peers); n != 1 {
		t.Errorf("%d peers kept, want 1", n)
	}
	if s.conns.total != 0 {
		t.Errorf("total %d after all closed", s.conns.total)
	}
}

type fakeConn struct{ remote net.Addr }

func (f fakeConn) Read([]byte) (int, error)         { return 0, net.ErrClosed }
func (f fakeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (f fakeConn) Close() error                     { return nil }
func (f fakeConn) LocalAddr() net.Addr              { return f.remote }
func (f fakeConn) RemoteAddr() net.Addr             { return f.remote }
func (f fakeConn) SetDeadline(time.Time) error      { return nil }
func (f fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f fakeConn) SetWriteDeadline(time.Time) error { return nil }
