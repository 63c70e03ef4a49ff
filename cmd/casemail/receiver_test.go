package main

import (
	"bytes"
	"io"
	"net"
	netmail "net/mail"
	"sync"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
)

// receiver is a real SMTP server on loopback standing in for the
// smarthost: it records what it accepts, and can be told to answer the
// next DATA commands with given codes (451 twice, 550…).
type receiver struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	got  []received
	// replies are consumed one per DATA to the given recipient ("" for
	// any); an empty list accepts.
	replies map[string][]int
	notify  chan struct{}
}

type received struct {
	From string
	To   []string
	Raw  []byte
	Msg  *netmail.Message
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{t: t, notify: make(chan struct{}, 1000)}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &recvSession{r: r}, nil
	}))
	srv.Domain = "smarthost.test"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *receiver) failNext(codes ...int) { r.failFor("", codes...) }

// failFor makes the next DATA commands for rcpt fail with codes.
func (r *receiver) failFor(rcpt string, codes ...int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replies == nil {
		r.replies = map[string][]int{}
	}
	r.replies[rcpt] = append(r.replies[rcpt], codes...)
}

func (r *receiver) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type recvSession struct {
	r    *receiver
	from string
	to   []string
}

func (s *recvSession) Reset()        { s.from, s.to = "", nil }
func (s *recvSession) Logout() error { return nil }
func (s *recvSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *recvSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *recvSession) Data(rd io.Reader) error {
	raw, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, key := range []string{s.to[0], ""} {
		codes := s.r.replies[key]
		if len(codes) == 0 {
			continue
		}
		code := codes[0]
		s.r.replies[key] = codes[1:]
		if code >= 400 {
			return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode{code / 100, 0, 0}, Message: "told to fail"}
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		s.r.t.Errorf("receiver: unparseable message from casemail: %v", err)
	}
	s.r.got = append(s.r.got, received{From: s.from, To: s.to, Raw: raw, Msg: msg})
	select {
	case s.r.notify <- struct{}{}:
	default:
	}
	return nil
}
