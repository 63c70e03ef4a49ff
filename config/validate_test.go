package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/config"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		keys   []string // problem keys, in order; nil means valid
		fix    string   // a phrase the first problem's fix must contain
	}{
		{"defaults", func(*config.Config) {}, nil, ""},
		{"no support address", func(c *config.Config) { c.Support.Addresses = nil },
			[]string{"support.addresses"}, "at least one address"},
		{"display name in address", func(c *config.Config) { c.Support.Addresses = []string{"Help <help@example.com>"} },
			[]string{"support.addresses"}, "support.name"},
		{"plus address", func(c *config.Config) { c.Support.Addresses = []string{"help+cases@example.com"} },
			[]string{"support.addresses"}, "+tokens"},
		{"duplicate address", func(c *config.Config) { c.Support.Addresses = []string{"a@example.com", "A@example.com"} },
			[]string{"support.addresses"}, "keep one"},
		{"name with line break", func(c *config.Config) { c.Support.Name = "Help\r\nBcc: x@example.net" },
			[]string{"support.name"}, "one line"},
		{"bad hostname", func(c *config.Config) { c.Support.Hostname = "mail_host" },
			[]string{"support.hostname"}, "mail.example.com"},
		{"short token key", func(c *config.Config) { c.Threading.TokenKey = strings.Repeat("k", 31) },
			[]string{"threading.token_key"}, "openssl rand"},
		{"token key of 32", func(c *config.Config) { c.Threading.TokenKey = strings.Repeat("k", 32) }, nil, ""},
		{"listen without port", func(c *config.Config) { c.SMTP.Listen = "127.0.0.1" },
			[]string{"smtp.listen"}, "127.0.0.1:2525"},
		{"port zero and ipv6", func(c *config.Config) { c.SMTP.Listen = "[::1]:0"; c.Admin.Listen = "localhost:0" }, nil, ""},
		{"port out of range", func(c *config.Config) { c.Admin.Listen = "127.0.0.1:70000" },
			[]string{"admin.listen"}, "127.0.0.1:8025"},
		{"lmtp forms", func(c *config.Config) { c.LMTP.Listen = "unix:/run/casemail/lmtp.sock" }, nil, ""},
		{"lmtp bad", func(c *config.Config) { c.LMTP.Listen = "lmtp" }, []string{"lmtp.listen"}, "write it as"},
		{"lmtp empty socket", func(c *config.Config) { c.LMTP.Listen = "unix:" }, []string{"lmtp.listen"}, "/run/casemail/lmtp.sock"},
		{"numbers and durations", func(c *config.Config) {
			c.SMTP.MaxMessageBytes, c.SMTP.MaxRecipients, c.SMTP.MaxLineLength = 0, -1, 999
			c.SMTP.ReadTimeout, c.SMTP.WriteTimeout, c.Store.LockTimeout = 0, -time.Second, 0
			c.Parse.MaxDepth, c.Parse.MaxParts = 0, 0
		}, []string{"smtp.max_message_bytes", "smtp.max_recipients", "smtp.max_line_length",
			"smtp.read_timeout", "smtp.write_timeout", "store.lock_timeout", "parse.max_depth", "parse.max_parts"}, "positive"},
		{"no store path", func(c *config.Config) { c.Store.Path = "" }, []string{"store.path"}, "./data/casemail.db"},
		{"cert without key", func(c *config.Config) { c.SMTP.TLSCert = "/etc/ssl/cert.pem" },
			[]string{"smtp.tls_key"}, "both"},
		{"key without cert", func(c *config.Config) { c.SMTP.TLSKey = "/etc/ssl/key.pem" },
			[]string{"smtp.tls_cert"}, "both"},
		{"public admin without token", func(c *config.Config) { c.Admin.Listen = "0.0.0.0:8025" },
			[]string{"admin.token"}, "CASEMAIL_ADMIN_TOKEN"},
		{"all interfaces without token", func(c *config.Config) { c.Admin.Listen = ":8025" },
			[]string{"admin.token"}, "CASEMAIL_ADMIN_TOKEN"},
		{"public admin with token", func(c *config.Config) {
			c.Admin.Listen, c.Admin.Token = "192.0.2.1:8025", strings.Repeat("t", 16)
		}, nil, ""},
		{"short admin token", func(c *config.Config) { c.Admin.Token = "secret" }, []string{"admin.token"}, "16"},
		{"log", func(c *config.Config) { c.Log.Level, c.Log.Format = "verbose", "xml" },
			[]string{"log.level", "log.format"}, "debug, info, warn or error"},
		{"log in capitals", func(c *config.Config) { c.Log.Level, c.Log.Format = "DEBUG", "JSON" }, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.change(c)
			err := c.Validate()
			if tt.keys == nil {
				if err != nil {
					t.Fatalf("want valid, got:\n%v", err)
				}
				return
			}
			ps := problems(t, err)
			if got := problemKeys(t, err); !slices.Equal(got, tt.keys) {
				t.Fatalf("keys = %v, want %v\n%v", got, tt.keys, err)
			}
			if !strings.Contains(ps[0].Fix, tt.fix) {
				t.Errorf("fix %q does not contain %q", ps[0].Fix, tt.fix)
			}
		})
	}
}

func TestValidateTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeKeyPair(t, dir, "a")
	_, otherKey := writeKeyPair(t, dir, "b")

	c := config.Default()
	c.SMTP.TLSCert, c.SMTP.TLSKey = cert, key
	if err := c.Validate(); err != nil {
		t.Fatalf("matching pair:\n%v", err)
	}

	for name, k := range map[string]string{"mismatched key": otherKey, "missing key": filepath.Join(dir, "none.pem")} {
		c.SMTP.TLSKey = k
		ps := problems(t, c.Validate())
		if len(ps) != 1 || ps[0].Key != "smtp.tls_cert" || !strings.Contains(ps[0].Problem, "does not load") {
			t.Errorf("%s: got %v, want smtp.tls_cert that does not load", name, ps)
		}
	}
}

// writeKeyPair writes a self-signed certificate and its key as PEM files.
func writeKeyPair(t *testing.T, dir, name string) (certPath, keyPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+"-cert.pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certPath, "CERTIFICATE", der)
	writePEM(t, keyPath, "PRIVATE KEY", keyDER)
	return certPath, keyPath
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTLSKeyPair(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	cert, _ := writeKeyPair(t, dir, "a")
	_, other := writeKeyPair(t, dir, "b")
	_, err := loadYAML(t, "smtp:\n  tls_cert: "+cert+"\n  tls_key: "+other+"\n")
	if got := problemKeys(t, err); !slices.Equal(got, []string{"smtp.tls_cert"}) {
		t.Errorf("keys = %v, want [smtp.tls_cert]\n%v", got, err)
	}
}

func TestErrorFormat(t *testing.T) {
	err := &config.Error{Problems: []config.Problem{
		{Key: "smtp.listen", Problem: `"foo" is not host:port`, Fix: "write it as 127.0.0.1:2525"},
		{Problem: `config file "x.yaml" does not exist`, Fix: "check the path"},
	}}
	want := "smtp.listen: \"foo\" is not host:port; fix: write it as 127.0.0.1:2525\n" +
		"config file \"x.yaml\" does not exist; fix: check the path"
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err.Error(), want)
	}
}
