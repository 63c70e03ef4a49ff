package bounce

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// want is what a test expects of a Report. Diagnostics are checked only
// for being one line; their exact text is the remote server's business.
type want struct {
	kind     Kind
	rcpts    []Failure // Recipient, Status, Code and Hard are compared
	id       string
	feedback string
}

var cases = map[string]want{
	"postfix-user-unknown.eml": {Bounce, []Failure{
		{Recipient: "ana.garcia@customer.example.org", Status: "5.1.1", Code: 550, Hard: true},
	}, "case-42.1772529300@support.example.com", ""},
	"postfix-mailbox-full.eml": {Bounce, []Failure{
		{Recipient: "bob@customer.example.org", Status: "5.2.2", Code: 552, Hard: false},
	}, "case-43.1@support.example.com", ""},
	"postfix-delayed.eml": {Bounce, []Failure{
		{Recipient: "carol@slow.example.org", Status: "4.4.1", Hard: false},
	}, "case-44.1@support.example.com", ""},
	"dsn-spam-block.eml": {Bounce, []Failure{
		{Recipient: "dave@strict.example.org", Status: "5.7.1", Code: 550, Hard: false},
	}, "", ""},
	// The second recipient was expanded from the address we wrote to,
	// which is the one to report; its mailbox is full, so it stays.
	"exim-two-recipients.eml": {Bounce, []Failure{
		{Recipient: "erin@customer.example.org", Status: "5.1.1", Code: 550, Hard: true},
		{Recipient: "frank@customer.example.org", Status: "4.2.2", Code: 452, Hard: false},
	}, "case-45.2@support.example.com", ""},
	"qmail-failure.eml": {Bounce, []Failure{
		{Recipient: "gina@gone.example.org", Status: "5.1.1", Code: 550, Hard: true},
	}, "case-46.1@support.example.com", ""},
	"exchange-ndr.eml": {Bounce, []Failure{
		{Recipient: "henry.ho@corp.example.org", Status: "5.1.1", Code: 550, Hard: true},
	}, "case-47.1@support.example.com", ""},
	"gmail-failure.eml": {Bounce, []Failure{
		{Recipient: "ivan.nobody@gmail.com", Status: "5.1.1", Code: 550, Hard: true},
	}, "case-48.1@support.example.com", ""},
	"gmail-delay.eml": {Bounce, []Failure{
		{Recipient: "judy@busy.example.org", Hard: false},
	}, "case-49.1@support.example.com", ""},
	"arf-abuse.eml":                    {Feedback, nil, "case-50.1@support.example.com", "abuse"},
	"vacation.eml":                     {AutoReply, nil, "case-51.1@support.example.com", ""},
	"outlook-respuesta-automatica.eml": {AutoReply, nil, "case-52.1@support.example.com", ""},
	"read-receipt.eml":                 {AutoReply, nil, "case-53.1@support.example.com", ""},
	// People writing about bounces are not bounces.
	"human-complaint.eml":        {NotAutomatic, nil, "", ""},
	"human-forwarded-bounce.eml": {NotAutomatic, nil, "", ""},
}

func TestClassify(t *testing.T) {
	for name, w := range cases {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range lineEndings(raw) {
			r := Classify(v.raw)
			check(t, name+" ("+v.name+")", r, w)
		}
	}
}

func check(t *testing.T, name string, r Report, w want) {
	t.Helper()
	if r.Kind != w.kind || r.OriginalMessageID != w.id || r.FeedbackType != w.feedback {
		t.Errorf("%s: kind %q id %q feedback %q, want %q %q %q", name, r.Kind, r.OriginalMessageID,
			r.FeedbackType, w.kind, w.id, w.feedback)
	}
	if len(r.Recipients) != len(w.rcpts) {
		t.Errorf("%s: recipients %+v, want %+v", name, r.Recipients, w.rcpts)
		return
	}
	for i, f := range r.Recipients {
		g := w.rcpts[i]
		if f.Recipient != g.Recipient || f.Status != g.Status || f.Code != g.Code || f.Hard != g.Hard {
			t.Errorf("%s: recipient %d is %+v, want %+v", name, i, f, g)
		}
		if bytes.ContainsAny([]byte(f.Diagnostic), "\r\n") {
			t.Errorf("%s: diagnostic %q is not one line", name, f.Diagnostic)
		}
	}
}

type variant struct {
	name string
	raw  []byte
}

// lineEndings returns raw with LF, CRLF and bare CR line endings, as mail
// arrives from Unix, from SMTP, and from old Macs.
func lineEndings(raw []byte) []variant {
	lf := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	return []variant{
		{"LF", lf},
		{"CRLF", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))},
		{"CR", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))},
	}
}

func TestClassifyOddInput(t *testing.T) {
	for _, raw := range []string{
		"",
		"\n\n\n",
		"no header at all, just words about a mail delivery failed",
		"Content-Type: multipart/report; report-type=delivery-status\n\nno boundary",
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x\n--x--\n",
		"Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822;\nAction: failed\nStatus: 5\n",
		"From: MAILER-DAEMON\nSubject: failure notice\n\n<a@b.example>:\n" + string(bytes.Repeat([]byte("x"), 1000)),
	} {
		r := Classify([]byte(raw))
		for _, f := range r.Recipients {
			if f.Recipient == "" {
				t.Errorf("%q: empty recipient in %+v", raw, r)
			}
		}
	}
}

func TestFindCodes(t *testing.T) {
	for _, c := range []struct {
		in     string
		status string
		code   int
	}{
		{"550 5.1.1 <a@example.org>: User unknown", "5.1.1", 550},
		{"host 192.0.2.153 said: 452 4.2.2 over quota", "4.2.2", 452},
		{"550-'5.7.1 Access denied' after 5.1.0 - Unknown address error", "5.7.1", 550},
		{"connect to 10.4.4.1: Connection timed out", "", 0},
		{"Size (in bytes): 222", "", 0},
		{"#5.1.1 smtp;550", "5.1.1", 550},
	} {
		if s, n := findStatus(c.in), findCode(c.in); s != c.status || n != c.code {
			t.Errorf("%q: status %q code %d, want %q %d", c.in, s, n, c.status, c.code)
		}
	}
}
