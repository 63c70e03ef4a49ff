package smtpd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	"github.com/casemail/casemail/support"
	gosmtp "github.com/emersion/go-smtp"
)

// failing is a Deliverer that fails with err.
type failing struct{ err error }

func (f failing) Deliver(context.Context, support.Envelope, []byte) (support.Delivery, error) {
	return support.Delivery{}, f.err
}

func serve(t *testing.T, d Deliverer) string {
	t.Helper()
	s := New(d, Options{Addresses: []string{"support@example.com"}, Hostname: "mx.test", MaxMessageBytes: 1 << 20, MaxLineLength: 2000})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return l.Addr().String()
}

// TestErrorsBecomeReplyCodes is the one place errors meet the client:
// whatever the Deliverer returns, wrapped or not, the client gets a proper
// code and never the internal text. go-smtp alone would turn a wrapped
// error into a permanent 554 showing it.
func TestErrorsBecomeReplyCodes(t *testing.T) {
	tests := []struct {
		err  error
		code int
		enh  string
	}{
		{fmt.Errorf("file message: %w", errors.New("write /var/lib/casemail/casemail.db: no space left on device")), 451, "4.3.0"},
		{fmt.Errorf("deliver: %w", support.ErrStoreClosed), 451, "4.3.0"},
		{fmt.Errorf("wrapped: %w", support.ErrTooBig), 552, "5.3.4"},
		{&gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 4, 6}, Message: "Routing loop detected"}, 554, "5.4.6"},
	}
	for _, tt := range tests {
		addr := serve(t, failing{tt.err})
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Mail("ana@cliente.es")
		if err := c.Rcpt("support@example.com"); err != nil {
			t.Fatal(err)
		}
		w, _ := c.Data()
		w.Write([]byte("Subject: x\r\n\r\nhola\r\n"))
		err = w.Close()
		c.Close()
		var te *textproto.Error
		if !errors.As(err, &te) || te.Code != tt.code || !strings.HasPrefix(te.Msg, tt.enh) {
			t.Errorf("%v: got %v, want %d %s", tt.err, err, tt.code, tt.enh)
			continue
		}
		for _, leak := range []string{"/var/lib", "no space", "store", "wrapped"} {
			if strings.Contains(te.Msg, leak) {
				t.Errorf("reply %q leaks %q", te.Msg, leak)
			}
		}
	}
}

func TestRecipientPolicy(t *testing.T) {
	addr := serve(t, failing{nil})
	for rcpt, ok := range map[string]bool{
		"support@example.com": true, "SUPPORT@Example.COM": true, "support+abc@example.com": true,
		"support@example.org": false, "sales@example.com": false, "support@example.com.evil.org": false,
	} {
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Mail("ana@cliente.es")
		err = c.Rcpt(rcpt)
		c.Close()
		if (err == nil) != ok {
			t.Errorf("RCPT %s: %v, want accepted=%v", rcpt, err, ok)
		}
		var te *textproto.Error
		if !ok && (!errors.As(err, &te) || te.Code != 550 || !strings.HasPrefix(te.Msg, "5.1.1")) {
			t.Errorf("RCPT %s: %v, want 550 5.1.1", rcpt, err)
		}
	}
	// Addresses that are not addresses never get as far as the policy.
	for _, rcpt := range []string{"@example.com", "support"} {
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Mail("ana@cliente.es")
		var te *textproto.Error
		if err := c.Rcpt(rcpt); !errors.As(err, &te) || te.Code/100 != 5 {
			t.Errorf("RCPT %s: %v, want a permanent refusal", rcpt, err)
		}
		c.Close()
	}
}
