package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smarthost is a go-smtp server on loopback standing in for the relay.
type smarthost struct {
	addr    string
	mu      sync.Mutex
	got     [][]byte
	authed  []string
	tlsUsed []bool
}

type hostSession struct {
	h    *smarthost
	conn *smtp.Conn
	user string
}

func (s *hostSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *hostSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "casemail" || password != "s3cret" {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}
func (s *hostSession) Reset()                               {}
func (s *hostSession) Logout() error                        { return nil }
func (s *hostSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *hostSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *hostSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.h.mu.Lock()
	s.h.got = append(s.h.got, b)
	s.h.authed = append(s.h.authed, s.user)
	s.h.tlsUsed = append(s.h.tlsUsed, isTLS)
	s.h.mu.Unlock()
	return nil
}

func startSmarthost(t *testing.T, withTLS bool) *smarthost {
	t.Helper()
	h := &smarthost{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &hostSession{h: h, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSignedCert(t)}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return h
}

func selfSignedCert(t *testing.T) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func newSender(addr string, mode TLSMode) *SMTPSender {
	return &SMTPSender{Addr: addr, Helo: "casemail.test", TLS: mode, TLSConf: &tls.Config{InsecureSkipVerify: true},
		ConnectTimeout: 2 * time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second}
}

var letter = []byte("From: support@example.com\r\nTo: ana@cliente.es\r\nSubject: x\r\n\r\nhola\r\n")

func TestSenderTLSModesAndAuth(t *testing.T) {
	tests := []struct {
		name      string
		serverTLS bool
		mode      TLSMode
		auth      bool
		wantErr   bool
		wantTLS   bool
	}{
		{"required with STARTTLS offered", true, TLSRequired, true, false, true},
		{"required without STARTTLS refuses to send", false, TLSRequired, false, true, false},
		{"opportunistic uses TLS when offered", true, TLSOpportunistic, false, false, true},
		{"opportunistic falls back to plain", false, TLSOpportunistic, false, false, false},
		{"off never uses TLS", true, TLSOff, false, false, false},
		{"AUTH PLAIN over plain loopback", false, TLSOff, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSmarthost(t, tt.serverTLS)
			s := newSender(h.addr, tt.mode)
			if tt.auth {
				s.Username, s.Password = "casemail", "s3cret"
			}
			err := s.Send(context.Background(), "support+bounce-x@example.com", "ana@cliente.es", letter)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Send: %v", err)
			}
			if err != nil {
				var se *SendError
				if !errors.As(err, &se) || !se.Temporary {
					t.Errorf("a TLS policy failure must be temporary (the smarthost may be fixed): %v", err)
				}
				return
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if len(h.got) != 1 || h.tlsUsed[0] != tt.wantTLS || (tt.auth && h.authed[0] != "casemail") {
				t.Errorf("got %d messages, tls %v, authed %v", len(h.got), h.tlsUsed, h.authed)
			}
		})
	}
}

func TestSenderWrongPasswordIsPermanent(t *testing.T) {
	h := startSmarthost(t, false)
	s := newSender(h.addr, TLSOff)
	s.Username, s.Password = "casemail", "wrong"
	err := s.Send(context.Background(), "a@example.com", "b@example.com", letter)
	var se *SendError
	if !errors.As(err, &se) || se.Temporary || se.Code != 535 {
		t.Fatalf("wrong password: %v", err)
	}
}

// TestSenderBodyDeadline: a smarthost that accepts DATA and then stops
// reading must not hang the sender; go-smtp sets no deadline on the body.
func TestSenderBodyDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "220 stall ESMTP\r\n")
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			line := string(buf[:n])
			switch {
			case strings.HasPrefix(line, "EHLO"):
				io.WriteString(c, "250 stall\r\n")
			case strings.HasPrefix(line, "DATA"):
				io.WriteString(c, "354 go on\r\n")
				time.Sleep(10 * time.Second) // and never read again
				return
			default:
				io.WriteString(c, "250 ok\r\n")
			}
		}
	}()
	s := newSender(l.Addr().String(), TLSOff)
	s.DataTimeout = 300 * time.Millisecond
	big := append([]byte(nil), letter...)
	for len(big) < 32<<20 {
		big = append(big, []byte(strings.Repeat("0123456789", 7)+"\r\n")...)
	}
	start := time.Now()
	err = s.Send(context.Background(), "a@example.com", "b@example.com", big)
	if err == nil {
		t.Fatal("a stalled body write succeeded")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("stalled body write took %v, want about the data timeout", el)
	}
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary {
		t.Errorf("a stall must be retried: %v", err)
	}
}
