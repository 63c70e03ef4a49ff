package smtpd

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"testing"
	"time"
)

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), DNSNames: []string{"mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// startTLS upgrades c after EHLO and says EHLO again, inside TLS.
func (c *client) startTLS() {
	c.t.Helper()
	c.expect(220, "")
	c.send("EHLO client.test\r\nSTARTTLS\r\n")
	c.expect(250, "")
	c.expect(220, "")
	tc := tls.Client(c.Conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		c.t.Fatal(err)
	}
	c.Conn, c.r = tc, bufio.NewReader(tc)
	c.send("EHLO client.test\r\n")
	c.expect(250, "")
}

// TestTLS: inside STARTTLS the hang-ups are said in TLS, and the DATA
// deadlines (their polls included, which TLS takes as temporary) work.
func TestTLS(t *testing.T) {
	rec := &recorder{}
	opt := testOptions()
	opt.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	s := New(rec, opt)
	addr := start(t, s)

	// A message ending in a bare CR, which only the polls let us see end.
	c := dial(t, "tcp", addr)
	c.startTLS()
	c.send("MAIL FROM:<ana@cliente.es>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n")
	c.expect(250, "")
	c.expect(250, "")
	c.expect(354, "")
	c.send("Subject: tls\r\n\r\nslow end\r\r\n.\r\n")
	c.expect(250, "2.0.0 Ok: case #1")
	c.expect(421, "4.5.0 ")
	if got := rec.delivered(); len(got) != 1 || string(got[0]) != "Subject: tls\r\n\r\nslow end\r\r\n" {
		t.Fatalf("stored %q", got)
	}

	idle := dial(t, "tcp", addr)
	idle.startTLS()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	idle.expect(421, "4.3.2 ")
}
