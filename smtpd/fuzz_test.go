package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

// FuzzSession feeds arbitrary client input to a server over an in-memory
// connection and checks what must hold whatever the client says:
//   - no panic (go-smtp recovers them into its log, which is watched) and
//     no deadlock: the session and Shutdown end in bounded time;
//   - every delivered message got exactly one 250 naming its case (one
//     per recipient in LMTP), so none was stored after a 4xx/5xx to its
//     data, and no 250 names a case that was not stored.
func FuzzSession(f *testing.F) {
	const (
		hello = "EHLO client.test\r\n"
		txn   = "MAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n"
		msg   = "Subject: hola\r\n\r\nbody\r\n..stuffed\r\n.\r\n"
	)
	for _, seed := range []string{
		hello + txn + msg + "QUIT\r\n",
		hello + txn + msg + txn + msg + "RSET\r\nNOOP\r\nQUIT\r\n",
		"HELO x\r\nMAIL FROM:<>\r\nRCPT TO:<support+tok@example.com>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n" + msg,
		hello + "MAIL FROM:<a@b> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<support+ñ@example.com>\r\nDATA\r\nSubject: \xff\x00\r\n\r\n\xe9\r\n.\r\n",
		hello + txn + "Subject: x\r\n\r\nFAIL\r\n.\r\n" + txn + msg,
		hello + txn + "a\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<support@example.com>\r\nDATA\r\nb\r\n.\r\n",
		hello + txn + "a\r\r\n.\r\n" + txn + msg,
		hello + txn + strings.Repeat("Received: x\r\n", 5) + "\r\nloop\r\n.\r\n" + txn + msg,
		hello + txn + "X: " + strings.Repeat("h", 600) + "\r\n\r\n.\r\n" + txn + msg,
		hello + "MAIL FROM:<a@b>\r\nRCPT TO:<support@example.com>\r\nBDAT 7\r\nSubject" + "BDAT 11 LAST\r\n: x\r\n\r\nhi\r\n" + txn + msg,
		hello + "MAIL FROM:<a@b>\r\nRCPT TO:<support@example.com>\r\nBDAT 0\r\nRSET\r\nBDAT 3 LAST\r\nabc",
		hello + "STARTTLS\r\n" + txn + msg,
		hello + txn + "unfinished",
		"\x00\xff\r\n" + hello + "AUTH PLAIN AGFsaWNlAHBhc3M=\r\nVRFY x\r\nEXPN y\r\n",
	} {
		f.Add(false, []byte(seed))
		// A BDAT transfer reset before go-smtp's goroutine first ran
		// races, in LMTP mode, inside go-smtp (see TestSessionRaces).
		if !strings.Contains(seed, "BDAT 0\r\nRSET") {
			f.Add(true, []byte(strings.ReplaceAll(seed, "EHLO", "LHLO")))
		}
	}
	f.Fuzz(func(t *testing.T, lmtp bool, input []byte) {
		runSession(t, lmtp, input)
	})
}

func runSession(t *testing.T, lmtp bool, input []byte) {
	d := &fuzzDeliverer{base: 1<<40 + rand.Uint64N(1<<40)} // no input can guess it
	opt := testOptions()
	opt.LMTP = lmtp
	opt.MaxMessageBytes, opt.MaxLineLength, opt.MaxRecipients = 4096, 300, 3
	opt.MaxHeaderBytes, opt.MaxReceived = 512, 3
	replies := pipeSession(t, opt, d, input)
	checkReplies(t, lmtp, d.cases(), replies)
}

// pipeSession runs one session of input against a server with opt and d,
// and returns all it replied. It fails on a panic, and on a session or a
// Shutdown that does not end.
func pipeSession(t *testing.T, opt Options, d Deliverer, input []byte) []byte {
	t.Helper()
	watch := &panicWatch{}
	opt.Logger = slog.New(watch)
	s := New(d, opt)
	l := newPipeListener()
	served := make(chan struct{})
	go func() { s.Serve(l); close(served) }()

	toServer, fromServer := l.dial()
	go func() {
		toServer.Write(input) // fails once the server hangs up: fine
		toServer.Close()      // EOF to the server; the replies still come
	}()
	out := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(fromServer)
		out <- b
	}()
	var replies []byte
	select {
	case replies = <-out:
	case <-time.After(10 * time.Second):
		t.Fatalf("session did not end:\n%s", stacks())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v\n%s", err, stacks())
	}
	<-served
	if p := watch.seen(); p != "" {
		t.Fatalf("panic: %s", p)
	}
	return replies
}

var caseReply = regexp.MustCompile(`(?m)^250[ -].*Ok: case #(\d+)\r?$`)

func checkReplies(t *testing.T, lmtp bool, delivered []uint64, replies []byte) {
	t.Helper()
	count := map[uint64]int{}
	for _, m := range caseReply.FindAllSubmatch(replies, -1) {
		n, _ := strconv.ParseUint(string(m[1]), 10, 64)
		count[n]++
	}
	for _, c := range delivered {
		if n := count[c]; n == 0 || !lmtp && n != 1 {
			t.Fatalf("case %d stored and answered %d times:\n%s", c, n, replies)
		}
		delete(count, c)
	}
	for c := range count {
		t.Fatalf("250 for case %d, which was not stored:\n%s", c, replies)
	}
}

// fuzzDeliverer stores nothing, fails messages containing "FAIL" as a full
// disk would, and numbers the others from a random base.
type fuzzDeliverer struct {
	mu    sync.Mutex
	base  uint64
	given []uint64
}

func (d *fuzzDeliverer) Deliver(_ context.Context, env support.Envelope, raw []byte) (support.Delivery, error) {
	if bytes.Contains(raw, []byte("FAIL")) {
		return support.Delivery{}, errors.New("write casemail.db: no space left on device")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.base + uint64(len(d.given))
	d.given = append(d.given, c)
	return support.Delivery{Case: c}, nil
}

func (d *fuzzDeliverer) cases() []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]uint64(nil), d.given...)
}

// panicWatch is a slog handler that remembers a record mentioning a panic.
type panicWatch struct {
	mu  sync.Mutex
	msg string
}

func (w *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *panicWatch) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *panicWatch) WithGroup(string) slog.Handler            { return w }
func (w *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") && !knownGoSMTPPanic(r.Message) {
		w.mu.Lock()
		w.msg = r.Message
		w.mu.Unlock()
	}
	return nil
}

// knownGoSMTPPanic tells go-smtp v0.25.1's own recovered panic: the
// goroutine it starts for a BDAT transfer calls Session() unguarded, and
// after "BDAT 0" the connection may have ended, and the session become
// nil, before that goroutine first runs. It is recovered and harmless (the
// transfer was over), and it never involves this package's code.
func knownGoSMTPPanic(msg string) bool {
	return strings.Contains(msg, "nil pointer dereference") &&
		strings.Contains(msg, "go-smtp.(*Conn).handleBdat.func1()") &&
		!strings.Contains(msg, "casemail/casemail/smtpd.")
}

func (w *panicWatch) seen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.msg
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// pipeListener hands out in-memory connections made of two net.Pipes, one
// each way, so that the client can close its sending side (the server
// reads EOF) and still read every reply. A pipe write returns only once
// read, so no reply is lost to a reset as on TCP, and deadlines work.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) dial() (toServer, fromServer net.Conn) {
	in, serverIn := net.Pipe()
	serverOut, out := net.Pipe()
	l.conns <- &duplex{Conn: serverIn, out: serverOut}
	return in, out
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// duplex reads from one pipe and writes to the other.
type duplex struct {
	net.Conn // the incoming pipe
	out      net.Conn
	closed   atomic.Bool
}

func (d *duplex) Write(b []byte) (int, error) { return d.out.Write(b) }
func (d *duplex) Close() error {
	d.closed.Store(true)
	d.out.Close()
	return d.Conn.Close()
}
func (d *duplex) SetDeadline(t time.Time) error {
	d.out.SetWriteDeadline(t)
	return d.SetReadDeadline(t)
}
func (d *duplex) SetWriteDeadline(t time.Time) error { return d.out.SetWriteDeadline(t) }

// SetReadDeadline: net.Pipe refuses deadlines once the other end closed,
// where TCP after the client's half-close takes them, and go-smtp would
// drop the commands it still has buffered. Reads return EOF then anyway.
func (d *duplex) SetReadDeadline(t time.Time) error {
	if err := d.Conn.SetReadDeadline(t); err != nil && !d.closed.Load() {
		return nil
	} else {
		return err
	}
}

// TestSessionRaces runs, many times over, sessions whose outcome once
// depended on goroutine timing. (In LMTP mode the same sessions also race
// inside go-smtp, on its unguarded bdatStatus, which -race reports and
// nothing here can order; see knownGoSMTPPanic.)
func TestSessionRaces(t *testing.T) {
	const bdat = "MAIL FROM:<a@b>\r\nRCPT TO:<support@example.com>\r\n"
	for i, in := range []string{
		// A BDAT transfer reset before go-smtp's goroutine ran Data: its
		// stale "aborted" answered the next transaction (conn.park).
		"EHLO x\r\n" + bdat + "BDAT 0\r\nRSET\r\n" + bdat + "BDAT 7\r\nSubject" + "BDAT 11 LAST\r\n: x\r\n\r\nhi\r\nQUIT\r\n",
		"EHLO x\r\n" + bdat + "BDAT 3\r\nabcEHLO y\r\n" + bdat + "BDAT 4 LAST\r\nabcd",
		"EHLO x\r\n" + strings.Repeat(bdat+"BDAT 0\r\nRSET\r\n", 12) + bdat + "BDAT 2 LAST\r\nok",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for range 200 {
				runSession(t, strings.HasPrefix(in, "LHLO"), []byte(in))
			}
		})
	}
}
