package notify

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemail/casemail/support"
)

// Other test files of this package may declare -update too; a second
// flag.Bool("update") would panic, so it is registered only when missing
// (init runs after every package-level flag.Bool) and read by name.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/ from the current code")
	}
}

func composeUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// composeGoldens are the letters whose exact bytes testdata/compose keeps.
// Review a diff there like a diff of the templates: it is what customers
// receive.
var composeGoldens = map[string]*Letter{
	"en-ack": {
		Kind: LetterAck, CaseNumber: 1041, CaseSubject: "Re: Website down since 10:00",
		To:        support.Address{Name: "Sam Carter", Address: "sam@customer.example"},
		Language:  "en-GB",
		MessageID: "case-1041.1@example.com", InReplyTo: "first@customer.example",
		ReplyTo: "support+tok1041@example.com",
		Hours:   "Monday to Friday, 09:00–18:00 (Europe/Madrid)", NextOpen: composeNextOpen,
		Text: "ignored: an acknowledgement echoes nothing the customer wrote but the subject",
	},
	"es-ack": {
		Kind: LetterAck, CaseNumber: 1042, CaseSubject: "RV: ¿Cómo configuro el correo en el móvil?",
		To:        support.Address{Name: "Ana Pérez", Address: "ana@cliente.es"},
		Language:  "es",
		MessageID: "case-1042.1@example.com", InReplyTo: "CAF=x1@mail.cliente.es",
		References:  []string{"CAF=x1@mail.cliente.es"},
		ThreadIndex: "Ad15AB6FanuRjFOrdrZFDYvlnts+rw==", // the customer's Outlook message
		ReplyTo:     "support+tok1042@example.com",
		Hours:       "de lunes a viernes, de 09:00 a 18:00 (Europe/Madrid)",
	},
	"en-response": composeResponse(),
	"es-update": {
		Kind: LetterUpdate, CaseNumber: 1042, CaseSubject: "¿Cómo configuro el correo en el móvil?",
		To:        support.Address{Name: "Ana Pérez", Address: "ana@cliente.es"},
		Language:  "es",
		MessageID: "case-1042.4@example.com", InReplyTo: "CAF=x2@mail.cliente.es",
		References:  []string{"CAF=x1@mail.cliente.es", "case-1042.1@example.com", "case-1042.2@example.com"},
		ThreadIndex: "Ad15AB6FanuRjFOrdrZFDYvlnts+rwGNXZtz", // the customer's Outlook reply
		ReplyTo:     "support+tok1042@example.com",
		Agent:       &support.Address{Name: "José Núñez", Address: "jose@staff.example"},
		Text:        "Hola, Ana:\n\nHemos activado IMAP en su cuenta.\nUse imap.example.com, puerto 993 (SSL).",
	},
}

// TestComposeGolden composes each letter with the fixed date and compares
// it with testdata/compose/<name>.eml. Run with -update after a deliberate
// change and review the diff.
func TestComposeGolden(t *testing.T) {
	c := newTestComposer(t)
	for name, l := range composeGoldens {
		t.Run(name, func(t *testing.T) {
			got, err := c.Compose(l, composeDate)
			if err != nil {
				t.Fatal(err)
			}
			parseComposed(t, got) // a golden file must be a message both parsers read
			path := filepath.Join("testdata", "compose", name+".eml")
			if composeUpdate() {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run ComposeGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the composed letter (run with -update and review the diff):\n%s", path, got)
			}
		})
	}
}

func writeOverride(t *testing.T, dir, name, src string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestComposeTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	writeOverride(t, dir, "es/ack.txt.tmpl", "Caso {{.Tag}} abierto: {{.Subject}}. {{.Support}}\n")
	writeOverride(t, dir, "README", "not a template: ignored")
	c, err := NewComposer(Options{SupportName: "Soporte", SupportAddress: "support@example.com", TemplateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	es := *composeGoldens["es-ack"]
	m := composeAndParse(t, c, &es)
	if want := "Caso [Case #1042] abierto: ¿Cómo configuro el correo en el móvil?. Soporte\r\n"; m.text != want {
		t.Errorf("overridden text part %q, want %q", m.text, want)
	}
	if !strings.Contains(m.html, "Hemos recibido su mensaje") {
		t.Errorf("the HTML part should still be the embedded one:\n%s", m.html)
	}
	en := *composeGoldens["en-ack"]
	if m := composeAndParse(t, c, &en); !strings.Contains(m.text, "We have received your message") {
		t.Errorf("the English ack should be untouched:\n%s", m.text)
	}
}

func TestComposeTemplateOverrideErrors(t *testing.T) {
	for _, tt := range []struct{ name, src string }{
		{"en/response.html.tmpl", "<p>{{.Text</p>"},             // does not parse
		{"es/update.txt.tmpl", "{{if .Agent}}{{.Nope}}{{end}}"}, // names a field TemplateData lacks
		{"en/notice.txt.tmpl", "{{template \"missing\"}}"},      // fails when executed
		{"en/ak.txt.tmpl", "typo in the file name"},             // replaces nothing
		{"fr/ack.txt.tmpl", "no French templates"},
	} {
		dir := t.TempDir()
		writeOverride(t, dir, tt.name, tt.src)
		_, err := NewComposer(Options{SupportAddress: "support@example.com", TemplateDir: dir})
		if err == nil {
			t.Errorf("override %s %q accepted", tt.name, tt.src)
			continue
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, filepath.FromSlash(tt.name))) {
			t.Errorf("error for %s does not name the file: %v", tt.name, err)
		}
	}
	if _, err := NewComposer(Options{SupportAddress: "support@example.com", TemplateDir: filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Error("a missing template directory accepted")
	}
}
