package mailparse

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/casemail/casemail/support"
)

const hdr = "From: Ana <ana@example.com>\r\nTo: soporte@example.com\r\nSubject: prueba\r\nMIME-Version: 1.0\r\n"

func TestParseBodies(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		text     string // whole Text, "" to skip
		html     bool
		newText  string // "" to skip
		atts     []support.Attachment
		wantNote string // a substring of some note
	}{
		{name: "quoted-printable windows-1252",
			raw: msg(hdr+"Content-Type: text/plain; charset=windows-1252",
				"Content-Transfer-Encoding: quoted-printable", "",
				"Gr=FC=DFe, cuesta 5 =80 =3D caf=E9 y m=",
				"=E1s", "= not an escape"),
			text: "Grüße, cuesta 5 € = café y más\n= not an escape"},
		{name: "base64 windows-1252",
			raw: msg(hdr+"Content-Type: text/plain; charset=\"Windows-1252\"",
				"Content-Transfer-Encoding: base64", "",
				"QnVlbm9zIGTtYXMsDQphZGp1bnRvIGVsIGluZm9ybWUgZGUgYfFvLiBTYWx1ZG9zIJYgSm9z6Q0K"),
			text: "Buenos días,\nadjunto el informe de año. Saludos – José"},
		{name: "damaged base64",
			raw: msg(hdr+"Content-Type: text/plain; charset=utf-8",
				"Content-Transfer-Encoding: base64", "",
				"aG9s!YSBtdW5k", "bw"),
			text: "hola mundo", wantNote: "damaged base64"},
		{name: "multipart/alternative picks text/plain",
			raw: msg(hdr+"Content-Type: multipart/alternative; boundary=\"alt\"", "",
				"--alt", "Content-Type: text/html; charset=utf-8", "", "<p>HTML version</p>",
				"--alt", "Content-Type: text/plain; charset=utf-8", "", "Plain version",
				"--alt--"),
			text: "Plain version"},
		{name: "empty text/plain beside real HTML",
			raw: msg(hdr+"Content-Type: multipart/alternative; boundary=alt", "",
				"--alt", "Content-Type: text/plain", "", " ",
				"--alt", "Content-Type: text/html", "", "<p>Real <b>text</b></p>",
				"--alt--"),
			text: "Real text", html: true},
		{name: "HTML only",
			raw: msg(hdr+"Content-Type: text/html; charset=iso-8859-1", "",
				"<html><head><style>p{}</style></head><body><p>Hola&nbsp;Mar\xeda,</p>",
				"<ul><li>uno</li><li>dos</li></ul><a href=\"https://example.com/t\">ticket</a></body></html>"),
			text: "Hola María,\n\n- uno\n- dos\nticket <https://example.com/t>", html: true},
		{name: "attachments with RFC 2231 and RFC 2047 names",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=mix", "",
				"--mix", "Content-Type: text/plain", "", "Adjunto.",
				"--mix", "Content-Type: application/pdf",
				"Content-Disposition: attachment; filename*=iso-8859-1''informe_a%F1o.pdf",
				"Content-Transfer-Encoding: base64", "", b64("%PDF-1"),
				"--mix", "Content-Type: application/pdf; name*0*=utf-8''informe_a%C3; name*1*=%B1o_2.pdf",
				"Content-Transfer-Encoding: base64", "", b64("%PDF-2"),
				"--mix", "Content-Type: text/plain; name=\"=?utf-8?Q?notas_a=C3=B1o.txt?=\"",
				"Content-Disposition: attachment", "", "notas",
				"--mix", "Content-Type: application/octet-stream",
				"Content-Disposition: attachment; filename=\"C:\\\\Users\\\\ana\\\\datos.bin\"", "", "x",
				"--mix--"),
			text: "Adjunto.",
			atts: []support.Attachment{
				{Filename: "informe_año.pdf", ContentType: "application/pdf", Size: 6},
				{Filename: "informe_año_2.pdf", ContentType: "application/pdf", Size: 6},
				{Filename: "notas año.txt", ContentType: "text/plain", Size: 5},
				{Filename: "datos.bin", ContentType: "application/octet-stream", Size: 1},
			}},
		{name: "inline image with Content-ID",
			raw: msg(hdr+"Content-Type: multipart/related; boundary=rel", "",
				"--rel", "Content-Type: text/html", "", "<p>Mira: <img src=\"cid:img1@x\"></p>",
				"--rel", "Content-Type: image/png", "Content-ID: <img1@x>",
				"Content-Transfer-Encoding: base64", "", "iVBORw0KGgpmYWtlcG5n",
				"--rel", "Content-Type: image/gif; name=logo.gif", "Content-ID: <logo@x>",
				"Content-Disposition: inline", "Content-Transfer-Encoding: base64", "", b64("GIF89a"),
				"--rel--"),
			text: "Mira:", html: true,
			atts: []support.Attachment{
				{Filename: "img1", ContentType: "image/png", Size: 15, Inline: true, ContentID: "img1@x"},
				{Filename: "logo.gif", ContentType: "image/gif", Size: 6, Inline: true, ContentID: "logo@x"},
			}},
		{name: "attached message",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=m", "",
				"--m", "Content-Type: text/plain", "", "Reenvío el correo.",
				"--m", "Content-Type: message/rfc822", "",
				"From: x@example.com", "Subject: =?utf-8?Q?Factura_n=C2=BA_7?=", "", "inner",
				"--m--"),
			text: "Reenvío el correo.",
			atts: []support.Attachment{{Filename: "Factura nº 7.eml", ContentType: "message/rfc822", Size: int64(len("From: x@example.com\nSubject: =?utf-8?Q?Factura_n=C2=BA_7?=\n\ninner"))}}},
		{name: "boundary never closed",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=b", "",
				"--b", "Content-Type: text/plain", "", "first",
				"--b", "Content-Type: text/plain", "", "second, cut off"),
			text: "first\n\nsecond, cut off", wantNote: "not closed"},
		{name: "boundary not as declared",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=declared", "",
				"--actual", "Content-Type: text/plain", "", "found anyway",
				"--actual--"),
			text: "found anyway", wantNote: "guessed"},
		{name: "no boundary at all",
			raw:  msg(hdr+"Content-Type: multipart/mixed", "", "just text"),
			text: "just text", wantNote: "without a usable boundary"},
		{name: "part without header and blank line",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=b", "",
				"--b", "text right after the delimiter", "--b--"),
			text: "text right after the delimiter"},
		{name: "bare CR line endings",
			raw: []byte(strings.ReplaceAll(string(msg(hdr+"Content-Type: multipart/alternative; boundary=b", "",
				"--b", "Content-Type: text/plain", "", "line one", "line two",
				"--b--")), "\r\n", "\r")),
			text: "line one\nline two"},
		{name: "LF line endings",
			raw:  []byte(strings.ReplaceAll(string(msg(hdr, "one", "two")), "\r\n", "\n")),
			text: "one\ntwo"},
		{name: "format=flowed",
			raw: msg(hdr+"Content-Type: text/plain; charset=utf-8; format=flowed", "",
				"This paragraph was ", "wrapped by the client.", "", "> quoted ", "> too", ">", "> more", "-- ", "sig"),
			text:    "This paragraph was wrapped by the client.\n\n> quoted too\n>\n> more\n-- \nsig",
			newText: "This paragraph was wrapped by the client."},
		{name: "unknown charset",
			raw:      msg(hdr+"Content-Type: text/plain; charset=x-klingon", "", "caf\xe9"),
			text:     "café",
			wantNote: "unknown charset",
		},
		{name: "UTF-8 labelled latin1",
			raw:  msg(hdr+"Content-Type: text/plain; charset=iso-8859-1", "", "Ma\xc3\xb1ana, caf\xc3\xa9"),
			text: "Mañana, café"},
		{name: "utf-7",
			raw:  msg(hdr+"Content-Type: text/plain; charset=utf-7", "", "Fr+APY-sche +- Kr+AOQ-ten"),
			text: "Frösche + Kräten"},
		{name: "uuencoded attachment and odd 8-bit spelling",
			raw: msg(hdr+"Content-Type: multipart/mixed; boundary=m", "",
				"--m", "Content-Type: text/plain", "Content-Transfer-Encoding: 8-bit", "", "ver adjunto",
				"--m", "Content-Type: application/octet-stream; name=a.txt", "Content-Transfer-Encoding: x-uuencode", "",
				"begin 644 a.txt", `@:&]L82!U=65N8V]D92!W;W)L9"P@,#$R,S0U-C<X.2$ `, "`", "end",
				"--m--"),
			text: "ver adjunto",
			atts: []support.Attachment{{Filename: "a.txt", ContentType: "application/octet-stream", Size: 32}}},
		{name: "reply is stripped into NewText",
			raw: msg(hdr+"Content-Type: text/plain; charset=utf-8", "",
				"Ya funciona, gracias.", "", "El lun, 3 mar 2025 a las 10:00, Soporte <soporte@example.com> escribió:",
				"> ¿Puede probar de nuevo?"),
			newText: "Ya funciona, gracias."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.raw, DefaultLimits())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.text != "" && m.Text != tc.text {
				t.Errorf("Text = %q\nwant   %q", m.Text, tc.text)
			}
			if m.HTML != tc.html {
				t.Errorf("HTML = %v", m.HTML)
			}
			if tc.newText != "" && m.NewText != tc.newText {
				t.Errorf("NewText = %q, want %q", m.NewText, tc.newText)
			}
			if tc.atts != nil {
				if len(m.Attachments) != len(tc.atts) {
					t.Fatalf("got %d attachments %+v, want %d", len(m.Attachments), m.Attachments, len(tc.atts))
				}
				for i, want := range tc.atts {
					got := m.Attachments[i]
					got.Data = nil
					if !reflect.DeepEqual(got, want) {
						t.Errorf("attachment %d = %+v\n            want %+v", i, got, want)
					}
				}
			}
			if tc.wantNote != "" && !strings.Contains(strings.Join(m.Notes, "|"), tc.wantNote) {
				t.Errorf("Notes = %q, want one with %q", m.Notes, tc.wantNote)
			}
		})
	}
}

func TestParseLimitKeepsHeaders(t *testing.T) {
	m, err := Parse(nestedBomb(40), DefaultLimits())
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v", err)
	}
	if m.Subject != "bomb" || !strings.Contains(strings.Join(m.Notes, "|"), "cut off") {
		t.Errorf("Subject %q Notes %q", m.Subject, m.Notes)
	}
}
