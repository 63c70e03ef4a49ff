package mailparse

import (
	"strings"
	"testing"
)

func TestStripReply(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"english attribution",
			"Works now, thanks.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Support <s@example.com> wrote:\n\n> Please retry.\n> Regards",
			"Works now, thanks."},
		{"attribution wrapped over two lines",
			"Done.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Support Team <\nsupport@example.com> wrote:\n> Please retry.",
			"Done."},
		{"attribution wrapped over three lines",
			"Done.\n\nOn Monday, 2 April 2012 at 18:26,\nSupport Team of Example Inc\n<support@example.com> wrote:\n> Please retry.",
			"Done."},
		{"spanish",
			"Ya funciona.\n\nEl lun., 3 mar. 2025 a las 10:00, Soporte (<soporte@example.com>) escribió:\n> ¿Puede probar?\n> Saludos",
			"Ya funciona."},
		{"french",
			"Merci.\n\nLe 3 mars 2025 à 10:00, Support <s@example.com> a écrit :\n> Bonjour",
			"Merci."},
		{"german",
			"Danke.\n\nAm 03.03.2025 um 10:00 schrieb Support <s@example.com>:\n> Hallo",
			"Danke."},
		{"outlook original message",
			"Thanks\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nTo: Ana\nSubject: Case 7\n\nPlease retry.",
			"Thanks"},
		{"outlook mensaje original",
			"Gracias\n\n-----Mensaje original-----\nDe: Soporte\nEnviado el: lunes\nPara: Ana\nAsunto: Caso 7\n\nPruebe de nuevo.",
			"Gracias"},
		{"outlook header block",
			"Thanks\n\nFrom: Support [mailto:s@example.com]\nSent: Monday, March 3, 2025 10:00 AM\nTo: Ana\nSubject: RE: Case 7\n\nPlease retry.",
			"Thanks"},
		{"spanish header block under underscores",
			"Gracias\n\n________________________________\nDe: Soporte <s@example.com>\nEnviado: lunes, 3 de marzo de 2025 10:00\nPara: Ana\nAsunto: Caso 7\n\nPruebe de nuevo.",
			"Gracias"},
		{"bold header block",
			"Thanks\n\n*From:* Support <s@example.com>\n*Sent:* Monday\n*To:* Ana\n*Subject:* Case 7\n\nPlease retry.",
			"Thanks"},
		{"one-line header block from HTML",
			"Thanks\n\nFrom: Support Sent: Monday To: Ana Subject: Case 7\nPlease retry.",
			"Thanks"},
		{"quote markers only",
			"Fixed.\n\n> line one\n> line two\n> line three",
			"Fixed."},
		{"bottom posting keeps the text after the quote",
			"On 04/02/2012 06:26 PM, Megan wrote:\n> Hi\nHello",
			"Hello"},
		{"signature",
			"Hello,\nit works.\n\n-- \nAna Pérez\nACME",
			"Hello,\nit works."},
		{"signature dashes without space and quote",
			"Hello\n--\nAna\n\nOn Mon, Apr 2, 2012 at 6:26 PM, S <s@example.com> wrote:\n> x\n> y",
			"Hello"},
		{"client tagline kept",
			"Hello\n\nSent from my iPhone\n\nOn Apr 3, 2012, at 4:19 PM, bob <bob@example.com> wrote:\n\n> Hi",
			"Hello\n\nSent from my iPhone"},
		{"prose with > mid-line",
			"The log says a > b and then\nx > 5 items.\nPlease check.",
			"The log says a > b and then\nx > 5 items.\nPlease check."},
		{"one quoted line without splitter is prose",
			"I typed\n> show config\nand got nothing.",
			"I typed\n> show config\nand got nothing."},
		{"inline reply is kept",
			"See answers.\n\n> What version?\n> Which OS?\n5.2 on Linux\n> Since when?\nYesterday.",
			"See answers.\n\n> What version?\n> Which OS?\n5.2 on Linux\n> Since when?\nYesterday."},
		{"forward is kept",
			"FYI\n\n---------- Forwarded message ----------\nFrom: Bank <b@example.com>\nDate: Mon\nSubject: Alert\n\nYour card...",
			"FYI\n\n---------- Forwarded message ----------\nFrom: Bank <b@example.com>\nDate: Mon\nSubject: Alert\n\nYour card..."},
		{"prose with From and To is not a header block",
			"We are open\nFrom: Monday\nTo: Friday\nThanks",
			"We are open\nFrom: Monday\nTo: Friday\nThanks"},
		{"only a quotation keeps everything",
			"> a\n> b\n> c",
			"> a\n> b\n> c"},
		{"bottom posting with signatures on both sides",
			"Hello\n\nOn Mon, 3 Mar 2025, S <s@example.com> wrote:\n> q1\n> q2\n>\n> -- \n> sig\n\nJohn\n\n-- \nJohn Doe, ACME",
			"Hello\n\nJohn"},
		{"CRLF", "Yes\r\n\r\nOn Mon, 3 Mar 2025, S <s@example.com> wrote:\r\n> q\r\n", "Yes"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripReply(tc.in); got != tc.want {
				t.Errorf("StripReply:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestStripReplyLongLine(t *testing.T) {
	in := strings.Repeat("On a very long line with 1 digit wrote ", 100000) + ":\n> x\n> y"
	if got := StripReply(in); !strings.HasPrefix(got, "On a very") {
		t.Errorf("long line was cut: %q", got[:40])
	}
}
