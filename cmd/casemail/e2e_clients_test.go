package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/smtp"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/config"
)

// TestSTARTTLS checks that a configured certificate turns on STARTTLS and
// that mail sent over it is filed.
func TestSTARTTLS(t *testing.T) {
	certFile, keyFile := selfSigned(t)
	m := startDaemon(t, func(c *config.Config) { c.SMTP.TLSCert, c.SMTP.TLSKey = certFile, keyFile })
	c, err := smtp.Dial(m.SMTPAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered with a certificate configured")
	}
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("connection is not TLS after STARTTLS")
	}
	c.Mail("ana@cliente.es")
	c.Rcpt("support@example.com")
	w, _ := c.Data()
	w.Write(firstMail().bytes())
	if err := w.Close(); err != nil {
		t.Fatalf("data over TLS: %v", err)
	}
	if cs := listCases(t, m); len(cs) != 1 {
		t.Fatalf("cases = %+v", cs)
	}

	plain := startDaemon(t)
	c2, err := smtp.Dial(plain.SMTPAddr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if ok, _ := c2.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without a certificate")
	}
}

func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	return certFile, keyFile
}

// TestSwaks sends with swaks, a real SMTP client, a Spanish message with
// a Latin-1 subject and an attachment, and reads the case back.
func TestSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks not installed (scripts/install-test-peers.sh installs it)")
	}
	m := startDaemon(t)
	attach := filepath.Join(t.TempDir(), "informe_año.txt")
	writeFile(t, attach, "línea 1\n")
	host, port, _ := net.SplitHostPort(m.SMTPAddr.String())
	out, err := exec.Command(swaks, "--server", host, "--port", port,
		"--from", "ana@cliente.es", "--to", "support@example.com",
		"--header", "Subject: =?ISO-8859-1?Q?=BFC=F3mo_configurar_el_correo=3F?=",
		"--header", "From: =?utf-8?Q?Ana_Garc=C3=ADa?= <ana@cliente.es>",
		"--body", "Hola, ¿cómo configuro el correo en el móvil?",
		"--attach-type", "text/plain", "--attach-name", "informe_año.txt", "--attach", "@"+attach,
	).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "250 2.0.0 Ok: case #1") {
		t.Errorf("swaks transcript lacks the 250 with the case number:\n%s", out)
	}
	d := showCase(t, m, 1)
	if d.Subject != "¿Cómo configurar el correo?" || d.CustomerName != "Ana García" || d.Kind != "configuration" {
		t.Errorf("case = %+v", d.CaseSummary)
	}
	if len(d.Messages) != 2 || len(d.Messages[0].Attachments) != 1 || d.Messages[0].Attachments[0] != "informe_año.txt" {
		t.Errorf("message = %+v", d.Messages)
	}
}
