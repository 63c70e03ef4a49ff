package smtpd

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

// recorder is a Deliverer that keeps what it is given and answers with
// case numbers from 1. block, when set, holds each delivery until closed.
type recorder struct {
	mu    sync.Mutex
	envs  []support.Envelope
	raws  [][]byte
	block chan struct{}
}

func (r *recorder) Deliver(_ context.Context, env support.Envelope, raw []byte) (support.Delivery, error) {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.envs = append(r.envs, env)
	r.raws = append(r.raws, append([]byte(nil), raw...))
	return support.Delivery{Case: uint64(len(r.raws))}, nil
}

func (r *recorder) delivered() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.raws...)
}

func (r *recorder) envelopes() []support.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]support.Envelope(nil), r.envs...)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testOptions are the options tests start from: the support address, and
// no connection rate limit, which tests opening many connections would hit.
func testOptions() Options {
	return Options{
		Addresses: []string{"support@example.com"}, Hostname: "mx.test",
		MaxMessageBytes: 1 << 20, MaxLineLength: 2000, Logger: quietLogger(),
		ConnRatePerMinute: -1,
	}
}

// start serves s on a fresh loopback port and returns its address.
func start(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

// client speaks raw SMTP, so tests can send any bytes and read each reply.
type client struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, network, addr string) *client {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a hung test fails, not hangs
	return &client{t: t, Conn: c, r: bufio.NewReader(c)}
}

// reply reads one reply, all its lines, and returns its code and the text
// of the last line ("" and code 0 at EOF).
func (c *client) reply() (int, string) {
	c.t.Helper()
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return 0, ""
		}
		line = strings.TrimRight(line, "\r\n")
		if len(line) < 4 {
			c.t.Fatalf("bad reply line %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			c.t.Fatalf("bad reply line %q", line)
		}
		if line[3] == ' ' {
			return code, line[4:]
		}
	}
}

// expect reads a reply and fails unless its code and text start as given.
func (c *client) expect(code int, prefix string) string {
	c.t.Helper()
	got, text := c.reply()
	if got != code || !strings.HasPrefix(text, prefix) {
		c.t.Fatalf("got %d %q, want %d %q", got, text, code, prefix)
	}
	return text
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// expectClosed reads until EOF, failing on anything but EOF.
func (c *client) expectClosed() {
	c.t.Helper()
	if line, err := c.r.ReadString('\n'); err == nil || line != "" {
		c.t.Fatalf("got %q, %v; want the connection closed", line, err)
	}
}

// open greets and starts a transaction to the support address, up to the
// 354 after DATA.
func (c *client) open(hello string) {
	c.t.Helper()
	c.expect(220, "")
	c.send(hello + " client.test\r\nMAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n")
	c.expect(250, "")
	c.expect(250, "")
	c.expect(250, "")
	c.expect(354, "")
}
