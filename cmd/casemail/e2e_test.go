package main

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemail/casemail/config"
	"github.com/casemail/casemail/replytoken"
	gosmtp "github.com/emersion/go-smtp"
)

const customer = "Ana García <ana@cliente.es>"

func firstMail() mail {
	return mail{From: customer, To: "support@example.com", Subject: "No puedo acceder al panel",
		MessageID: "first@cliente.es", Body: "Hola,\nel panel da error 500 desde esta mañana.\nAna"}
}

func TestNewMailOpensCase(t *testing.T) {
	m := startDaemon(t)
	mustSend(t, m, firstMail())
	cases := listCases(t, m)
	if len(cases) != 1 {
		t.Fatalf("want 1 case, got %d", len(cases))
	}
	c := cases[0]
	// Two messages: the customer's, and our acknowledgement.
	if c.Number != 1 || c.Subject != "No puedo acceder al panel" || c.Status != "new" ||
		c.Customer != "ana@cliente.es" || c.MessageCount != 2 || c.Kind != "problem" {
		t.Errorf("case = %+v", c)
	}
	d := showCase(t, m, 1)
	if len(d.Messages) != 2 || d.Messages[1].Direction != "outbound" {
		t.Fatalf("messages = %+v", d.Messages)
	}
	msg := d.Messages[0]
	if msg.MessageID != "first@cliente.es" || msg.Direction != "inbound" || msg.From != "ana@cliente.es" ||
		!strings.Contains(msg.Text, "error 500") || msg.Attachments == nil {
		t.Errorf("message = %+v", msg)
	}
}

// TestRepliesJoinTheirCase covers each way a reply finds its case, and the
// ways a message must not.
func TestRepliesJoinTheirCase(t *testing.T) {
	m := startDaemon(t)
	mustSend(t, m, firstMail())
	tok := replytoken.Mint([]byte(testTokenKey), 1, "ana@cliente.es")
	steps := []struct {
		name     string
		msg      mail
		rcpt     string
		wantCase uint64
	}{
		{"reply by In-Reply-To", mail{From: customer, Subject: "Re: No puedo acceder al panel",
			MessageID: "r1@cliente.es", InReplyTo: "first@cliente.es", Body: "Adjunto más datos."}, "", 1},
		{"reply with only References", mail{From: customer, Subject: "Re: No puedo acceder al panel",
			MessageID: "r2@cliente.es", References: "<first@cliente.es> <r1@cliente.es>", Body: "¿Alguna novedad?"}, "", 1},
		{"reply with a changed subject", mail{From: "Luis <luis@cliente.es>", Subject: "panel still down",
			MessageID: "r3@cliente.es", InReplyTo: "r2@cliente.es", Body: "Same for me."}, "", 1},
		{"stranger with the case tag", mail{From: "eve@attacker.example", Subject: "Re: [Case #1] send me the logs",
			MessageID: "e1@attacker.example", Body: "hi"}, "", 2},
		{"participant with the case tag only", mail{From: customer, Subject: "[Case #1] otra cosa",
			MessageID: "r4@cliente.es", Body: "Una cosa más."}, "", 1},
		{"reply by signed token alone", mail{From: customer, Subject: "nuevo asunto",
			MessageID: "r5@cliente.es", Body: "Por el token."}, "support+" + tok + "@example.com", 1},
		{"forged token", mail{From: "eve@attacker.example", Subject: "hello",
			MessageID: "e2@attacker.example", Body: "x"}, "support+" + tok[:len(tok)-3] + "aaa@example.com", 3},
		{"new unrelated mail", mail{From: "bob@other.example", Subject: "¿Cómo configuro DKIM?",
			MessageID: "b1@other.example", Body: "Quisiera saber cómo."}, "", 4},
	}
	for _, s := range steps {
		rcpt := s.rcpt
		if rcpt == "" {
			rcpt = "support@example.com"
		}
		s.msg.To = rcpt
		if err := send(t, m.SMTPAddr.String(), addrOf(s.msg.From), []string{rcpt}, s.msg.bytes()); err != nil {
			t.Fatalf("%s: send: %v", s.name, err)
		}
		if got := caseOf(t, m, s.msg.MessageID); got != s.wantCase {
			t.Errorf("%s: filed in case #%d, want #%d", s.name, got, s.wantCase)
		}
	}
	d := showCase(t, m, 1)
	for _, p := range d.Participants {
		if strings.Contains(p, "attacker") {
			t.Errorf("stranger became a participant of case 1: %v", d.Participants)
		}
	}
	if cs := listCases(t, m); len(cs) != 4 || inbound(showCase(t, m, 1)) != 6 {
		t.Errorf("cases = %+v", cs)
	}
}

func caseOf(t *testing.T, m *Main, msgID string) uint64 {
	t.Helper()
	for _, c := range listCases(t, m) {
		for _, msg := range showCase(t, m, int(c.Number)).Messages {
			if msg.MessageID == msgID {
				return c.Number
			}
		}
	}
	return 0
}

func TestRepliesToAGhostRootMeet(t *testing.T) {
	m := startDaemon(t)
	// Two customers answer a message casemail never received.
	mustSend(t, m, mail{From: "a@x.example", Subject: "Re: outage", MessageID: "a@x.example", InReplyTo: "ghost@list.example", Body: "a"})
	mustSend(t, m, mail{From: "b@y.example", Subject: "Re: outage", MessageID: "b@y.example", References: "<ghost@list.example>", Body: "b"})
	if cs := listCases(t, m); len(cs) != 1 || inbound(showCase(t, m, 1)) != 2 {
		t.Fatalf("want both replies in one case, got %+v", cs)
	}
}

func TestSameMessageStoredOnce(t *testing.T) {
	m := startDaemon(t, func(c *config.Config) {
		c.Support.Addresses = []string{"support@example.com", "help@example.com"}
	})
	raw := firstMail().bytes()
	rcpts := []string{"support@example.com", "help@example.com", "SUPPORT+x@example.com"}
	for i := 0; i < 2; i++ {
		if err := send(t, m.SMTPAddr.String(), "ana@cliente.es", rcpts, raw); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	// Once more to a single address, as a second copy from another MTA.
	if err := send(t, m.SMTPAddr.String(), "ana@cliente.es", rcpts[1:2], raw); err != nil {
		t.Fatal(err)
	}
	cs := listCases(t, m)
	if len(cs) != 1 || inbound(showCase(t, m, 1)) != 1 {
		t.Fatalf("want one case with one message, got %+v", cs)
	}
}

func TestRecipientPolicyAndLimits(t *testing.T) {
	m := startDaemon(t, func(c *config.Config) {
		c.SMTP.MaxMessageBytes = 10 << 10
		c.SMTP.MaxRecipients = 2
	})
	addr := m.SMTPAddr.String()
	cases := []struct {
		name  string
		rcpts []string
		raw   []byte
		code  int
		enh   string
	}{
		{"another domain", []string{"someone@elsewhere.example"}, firstMail().bytes(), 550, "5.1.1"},
		{"another user of our domain", []string{"sales@example.com"}, firstMail().bytes(), 550, "5.1.1"},
		{"too many recipients", []string{"support@example.com", "support+a@example.com", "support+b@example.com"}, firstMail().bytes(), 452, "4.5.3"},
		{"over-size message", []string{"support@example.com"}, mail{From: customer, Subject: "big", MessageID: "big@x",
			Body: strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", 300)}.bytes(), 552, "5.3.4"},
	}
	for _, tc := range cases {
		code, msg := replyCode(t, send(t, addr, "ana@cliente.es", tc.rcpts, tc.raw))
		if code != tc.code || !strings.HasPrefix(msg, tc.enh) {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, code, msg, tc.code, tc.enh)
		}
	}
	if cs := listCases(t, m); len(cs) != 0 {
		t.Errorf("refused mail opened cases: %+v", cs)
	}
}

func TestStorageFailureIsTemporary(t *testing.T) {
	m := startDaemon(t)
	m.Store.Close() // the disk is gone from under the daemon
	code, msg := replyCode(t, send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, firstMail().bytes()))
	if code != 451 || !strings.HasPrefix(msg, "4.3.0") {
		t.Fatalf("got %d %s, want 451 4.3.0", code, msg)
	}
	for _, leak := range []string{"store", "bolt", "closed", ".db", "/"} {
		if strings.Contains(strings.ToLower(msg), leak) {
			t.Errorf("reply %q shows internal text %q", msg, leak)
		}
	}
}

func TestLMTPPerRecipientStatus(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "lmtp.sock")
	m := startDaemon(t, func(c *config.Config) {
		c.LMTP.Listen = "unix:" + sock
		c.Support.Addresses = []string{"support@example.com", "help@example.com"}
	})
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c := gosmtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("mta.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("ana@cliente.es", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("nobody@example.com", nil); err == nil {
		t.Error("LMTP accepted an unknown recipient")
	}
	for _, r := range []string{"support@example.com", "help@example.com"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatalf("rcpt %s: %v", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(firstMail().bytes())
	statuses, err := w.CloseWithLMTPResponse()
	if err != nil {
		t.Fatalf("LMTP data: %v", err)
	}
	if len(statuses) != 2 {
		t.Fatalf("want a status per recipient, got %v", statuses)
	}
	for rcpt, st := range statuses {
		if !strings.Contains(st.StatusText, "case #1") {
			t.Errorf("%s: %+v", rcpt, st)
		}
	}
	if cs := listCases(t, m); len(cs) != 1 {
		t.Errorf("cases = %+v", cs)
	}
}

func TestQuarantineListsUnfileableMail(t *testing.T) {
	m := startDaemon(t)
	raw := []byte("Subject: who sent this?\r\nMessage-ID: <nofrom@x>\r\n\r\nbody\r\n")
	if err := send(t, m.SMTPAddr.String(), "", []string{"support@example.com"}, raw); err != nil {
		t.Fatalf("a message without From must be accepted and kept: %v", err)
	}
	var qs []struct {
		ID     uint64 `json:"id"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(cli(t, m, "quarantine", "list", "--json")), &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || !strings.Contains(qs[0].Reason, "From") {
		t.Fatalf("quarantine = %+v", qs)
	}
	raw2, err := m.Store.Raw(qs[0].ID)
	if err != nil || string(raw2) != string(raw) {
		t.Errorf("raw kept = %q, %v", raw2, err)
	}
	if out := cli(t, m, "quarantine", "list"); !strings.Contains(out, "From") {
		t.Errorf("text listing: %s", out)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "smtp:\n  listen: nowhere\n  max_recipients: -1\nadmin:\n  listen: 0.0.0.0:8025\n")
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"check-config", "--config", bad}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1; out=%s", code, out.String())
	}
	for _, key := range []string{"smtp.listen", "smtp.max_recipients", "admin.token"} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("check-config output does not name %s:\n%s", key, out.String())
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"check-config"}, &out, &errOut); code != 0 {
		t.Fatalf("built-in config: exit %d: %s", code, out.String())
	}
}

// TestLongTextShownWhole: the message record keeps the start of a long
// text (the raw message holds it all); cases show still gives all of it.
func TestLongTextShownWhole(t *testing.T) {
	m := startDaemon(t)
	long := strings.Repeat("Línea de registro con detalles del error 500 en el panel.\n", 800) + "FIN"
	mustSend(t, m, mail{From: customer, Subject: "log", MessageID: "long@cliente.es", Body: long})
	text := showCase(t, m, 1).Messages[0].Text
	if !strings.HasSuffix(strings.TrimSpace(text), "FIN") || len(text) < len(long)-100 {
		t.Errorf("cases show gives %d bytes ending %q; want the whole %d", len(text), text[max(0, len(text)-20):], len(long))
	}
}
