package mailparse

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

// msg joins header and body lines with CRLF, as they travel.
func msg(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n"))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const spanishSubject = "Re: ¿Cómo configurar el correo?"

func TestParseHeaders(t *testing.T) {
	split := []byte(spanishSubject)
	tests := []struct {
		name  string
		raw   []byte
		check func(t *testing.T, m *support.Message)
	}{
		{"rfc2047 iso-8859-1 Q", msg(
			"From: a@example.com",
			"Subject: =?iso-8859-1?Q?Re:_=BFC=F3mo_configurar_el_correo=3F?=",
			"", "body"),
			subjectIs(spanishSubject)},
		{"rfc2047 utf-8 B", msg(
			"From: a@example.com",
			"Subject: =?UTF-8?B?"+b64(spanishSubject)+"?=",
			"", "body"),
			subjectIs(spanishSubject)},
		{"rfc2047 utf-8 split inside a character", msg(
			"From: a@example.com",
			"Subject: =?utf-8?B?"+b64(string(split[:5]))+"?=",
			" =?utf-8?B?"+b64(string(split[5:]))+"?=",
			"", "body"),
			subjectIs(spanishSubject)},
		{"rfc2047 glued to text and unknown charset", msg(
			"From: a@example.com",
			"Subject: Re:=?x-unknown?Q?caf=E9?= ok",
			"", "body"),
			subjectIs("Re:café ok")},
		{"iso-2022-jp subject", msg(
			"From: a@example.com",
			"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
			"", "body"),
			subjectIs("テスト")},
		{"8-bit latin1 header", []byte("From: Jos\xe9 <jose@example.com>\r\nSubject: Canci\xf3n de a\xf1o\r\n\r\nhola\r\n"),
			func(t *testing.T, m *support.Message) {
				subjectIs("Canción de año")(t, m)
				if m.From.Name != "José" {
					t.Errorf("From.Name = %q", m.From.Name)
				}
			}},
		{"8-bit header in the body's charset", []byte("From: a@example.com\r\nSubject: \xd2\xd5\xd3\xd3\xcb\xc9\xca\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n"),
			subjectIs("русский")},
		{"missing Message-ID", msg("From: a@example.com", "Subject: x", "", "body"),
			func(t *testing.T, m *support.Message) {
				if m.MessageID != "" {
					t.Errorf("MessageID = %q", m.MessageID)
				}
			}},
		{"ids with junk, folding and no brackets", msg(
			"From: a@example.com",
			"Message-ID: <abc@example.com> (generated)",
			"In-Reply-To: Your message of Monday <p@x.org>",
			"References: <r1@x.org> junk (Jo's message) <r2@x.org>",
			"\t<r3@x.org>,<r4@x\r\n .org>",
			"", "body"),
			func(t *testing.T, m *support.Message) {
				if m.MessageID != "abc@example.com" {
					t.Errorf("MessageID = %q", m.MessageID)
				}
				if !reflect.DeepEqual(m.InReplyTo, []string{"p@x.org"}) {
					t.Errorf("InReplyTo = %q", m.InReplyTo)
				}
				if want := []string{"r1@x.org", "r2@x.org", "r3@x.org", "r4@x.org"}; !reflect.DeepEqual(m.References, want) {
					t.Errorf("References = %q", m.References)
				}
			}},
		{"bare ids", msg("From: a@example.com", "Message-ID: abc@example.com", "References: a@x b@y", "", "x"),
			func(t *testing.T, m *support.Message) {
				if m.MessageID != "abc@example.com" || !reflect.DeepEqual(m.References, []string{"a@x", "b@y"}) {
					t.Errorf("MessageID %q References %q", m.MessageID, m.References)
				}
			}},
		{"addresses", msg(
			`From: "Pérez, Ana" <ana@example.com>`,
			`To: =?iso-8859-1?Q?B=FCrling,=20Andreas?= <andreas@example.com>, jane@example.com (Jane Doe); team: bob@example.com, "Eve" <eve@example.com>;`,
			`Cc: John <john@example.com>, broken <<, mailto:x@example.com`,
			`Reply-To: <MAILTO:help@example.com>`,
			"", "body"),
			func(t *testing.T, m *support.Message) {
				if m.From != (support.Address{Name: "Pérez, Ana", Address: "ana@example.com"}) {
					t.Errorf("From = %+v", m.From)
				}
				want := []support.Address{
					{Name: "Bürling, Andreas", Address: "andreas@example.com"},
					{Name: "Jane Doe", Address: "jane@example.com"},
					{Address: "bob@example.com"},
					{Name: "Eve", Address: "eve@example.com"},
				}
				if !reflect.DeepEqual(m.To, want) {
					t.Errorf("To = %+v", m.To)
				}
				wantCc := []support.Address{{Name: "John", Address: "john@example.com"}, {Address: "x@example.com"}}
				if !reflect.DeepEqual(m.Cc, wantCc) {
					t.Errorf("Cc = %+v", m.Cc)
				}
				if len(m.ReplyTo) != 1 || m.ReplyTo[0].Address != "help@example.com" {
					t.Errorf("ReplyTo = %+v", m.ReplyTo)
				}
				if len(m.Notes) == 0 {
					t.Error("no note for the broken Cc element")
				}
			}},
		{"From falls back to Sender", msg("Sender: list-owner@example.com", "Subject: x", "", "body"),
			func(t *testing.T, m *support.Message) {
				if m.From.Address != "list-owner@example.com" || m.Sender.Address != "list-owner@example.com" {
					t.Errorf("From %+v Sender %+v", m.From, m.Sender)
				}
			}},
		{"lenient dates", msg("From: a@example.com", "Date: Thursday, April 09, 2003 9:00 AM", "", "x"),
			dateIs(time.Date(2003, 4, 9, 9, 0, 0, 0, time.UTC))},
		{"date with comment and zone name", msg("From: a@example.com", "Date: Tue, 7 Apr 2026 10:00:00 +0200 (CEST)", "", "x"),
			dateIs(time.Date(2026, 4, 7, 8, 0, 0, 0, time.UTC))},
		{"bad date", msg("From: a@example.com", "Date: Whenever", "", "x"),
			func(t *testing.T, m *support.Message) {
				if !m.Date.IsZero() || len(m.Notes) == 0 {
					t.Errorf("Date %v Notes %q", m.Date, m.Notes)
				}
			}},
		{"auto headers and language", msg(
			"From: a@example.com",
			"Auto-Submitted: auto-replied (vacation)",
			"Precedence: bulk",
			"List-Id: Support <support.example.com>",
			"X-Auto-Response-Suppress: All",
			"Content-Language: es-ES, en",
			"", "x"),
			func(t *testing.T, m *support.Message) {
				want := support.AutoHeaders{AutoSubmitted: "auto-replied (vacation)", Precedence: "bulk",
					ListID: "Support <support.example.com>", XAutoResponseSuppress: "All"}
				if m.Auto != want {
					t.Errorf("Auto = %+v", m.Auto)
				}
				if m.Language != "es-es" {
					t.Errorf("Language = %q", m.Language)
				}
			}},
		{"BOM and blank lines before the header", []byte("\xef\xbb\xbf\r\n\r\nFrom: a@example.com\r\nSubject: blank first\r\n\r\nbody\r\n"),
			subjectIs("blank first")},
		{"mbox From line and junk before the header", []byte("From a@example.com Mon Jan  1 00:00:00 2024\n---- Original email message ----\nFrom: a@example.com\nSubject: junk first\n\nbody\n"),
			subjectIs("junk first")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.raw, DefaultLimits())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.RawSize != int64(len(tc.raw)) {
				t.Errorf("RawSize = %d", m.RawSize)
			}
			tc.check(t, m)
		})
	}
}

func subjectIs(want string) func(*testing.T, *support.Message) {
	return func(t *testing.T, m *support.Message) {
		t.Helper()
		if m.Subject != want {
			t.Errorf("Subject = %q, want %q", m.Subject, want)
		}
	}
}

func dateIs(want time.Time) func(*testing.T, *support.Message) {
	return func(t *testing.T, m *support.Message) {
		t.Helper()
		if !m.Date.Equal(want) {
			t.Errorf("Date = %v, want %v", m.Date, want)
		}
	}
}

func TestParseUnparseable(t *testing.T) {
	for name, raw := range map[string][]byte{
		"empty":       nil,
		"binary":      {0x89, 'P', 'N', 'G', 0, 1, 2, 3, 0xff, 0xfe, '\n', 0, 0},
		"prose":       []byte("hello there, this is not a mail\nat all\n"),
		"only blanks": []byte("\r\n \r\n\t\r\n"),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(raw, DefaultLimits())
			if !errors.Is(err, ErrUnparseable) {
				t.Errorf("err = %v, want ErrUnparseable", err)
			}
			if m == nil || m.RawSize != int64(len(raw)) {
				t.Errorf("message = %+v", m)
			}
		})
	}
}
