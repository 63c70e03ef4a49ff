package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

// templateFS holds the built-in templates, templates/<lang>/<kind>.txt.tmpl
// and .html.tmpl.
//
//go:embed templates
var templateFS embed.FS

// composeLanguages are the languages templates exist for.
var composeLanguages = []string{"en", "es"}

func knownLanguage(lang string) bool { return slices.Contains(composeLanguages, lang) }

// TemplateData is what a letter template sees. Text templates get it as is;
// HTML templates get it through html/template, which escapes every field,
// and may write {{lines .Text}} to turn line breaks into <br>.
type TemplateData struct {
	Case     uint64 // the case number
	Tag      string // the subject tag, "[Case #N]"
	Subject  string // the case subject without prefixes and tag (customer-written)
	Agent    string // the agent's name, for responses and updates; may be empty
	Text     string // the agent's text, or ours for notices; always empty for acks
	Hours    string // business hours, for acks; may be empty
	NextOpen string // when business hours next begin, in the letter's language; empty when open now
	Support  string // Options.SupportName
}

// letterTemplates is the pair of templates for one kind in one language.
type letterTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// htmlFuncs are the functions HTML templates may call.
var htmlFuncs = htmltemplate.FuncMap{"lines": htmlLines}

// htmlLines escapes s and turns its line breaks into <br>, the one piece
// of markup agent text gets.
func htmlLines(s string) htmltemplate.HTML {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = htmltemplate.HTMLEscapeString(l)
	}
	return htmltemplate.HTML(strings.Join(ls, "<br>\n"))
}

// templateData fills what the templates see. For automatic letters it
// leaves out everything a customer could have written except the subject:
// an acknowledgement that echoes the body lets anyone mail arbitrary text
// to a forged sender through us.
func (c *Composer) templateData(l *Letter, lang string) TemplateData {
	d := TemplateData{
		Case:    l.CaseNumber,
		Tag:     fmt.Sprintf("[Case #%d]", l.CaseNumber),
		Subject: subjectTopic(l.CaseSubject),
		Hours:   headerText(l.Hours),
		Support: c.name,
	}
	if !l.NextOpen.IsZero() {
		d.NextOpen = formatNextOpen(l.NextOpen, lang)
	}
	if l.Kind.automatic() {
		if l.Kind == LetterNotice {
			d.Text = bodyText(l.Text) // ours: what failed, and why
		}
		return d
	}
	if l.Agent != nil {
		d.Agent = displayName(l.Agent.Name)
	}
	d.Text = bodyText(l.Text)
	return d
}

// render executes the kind's templates in lang.
func (c *Composer) render(kind LetterKind, lang string, d TemplateData) (text, html string, err error) {
	t := c.templates[lang+"/"+string(kind)]
	var tb, hb bytes.Buffer
	if err := t.text.Execute(&tb, d); err != nil {
		return "", "", fmt.Errorf("template %s: %w", t.text.Name(), err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return "", "", fmt.Errorf("template %s: %w", t.html.Name(), err)
	}
	return strings.TrimRightFunc(tb.String(), unicode.IsSpace) + "\n",
		strings.TrimRightFunc(hb.String(), unicode.IsSpace) + "\n", nil
}

// bodyText normalises text for a body: LF line ends, no control
// characters but tab, valid UTF-8, no trailing white space.
func bodyText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r' || r == '\u2028' || r == '\u2029':
			return '\n'
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s)
	return strings.TrimRightFunc(s, unicode.IsSpace)
}

// loadTemplates parses every template, each from dir when dir holds a file
// of that name and from the embedded set otherwise, and executes each once
// with and once without optional fields, so a template that names a field
// TemplateData lacks fails here and not when a customer is waiting.
func loadTemplates(dir string) (map[string]*letterTemplates, error) {
	overrides, err := readOverrides(dir)
	if err != nil {
		return nil, err
	}
	source := func(name string) (src []byte, origin string, err error) {
		if src, ok := overrides[name]; ok {
			return src, filepath.Join(dir, filepath.FromSlash(name)), nil
		}
		src, err = templateFS.ReadFile(path.Join("templates", name))
		return src, "embedded " + name, err
	}
	samples := []TemplateData{
		{Case: 1, Tag: "[Case #1]", Subject: "s", Agent: "a", Text: "t\nt", Hours: "h", NextOpen: "n", Support: "s"},
		{Case: 1, Tag: "[Case #1]"},
	}
	set := make(map[string]*letterTemplates)
	for _, lang := range composeLanguages {
		for _, kind := range letterKinds {
			key := lang + "/" + string(kind)
			lt := &letterTemplates{}
			src, origin, err := source(key + ".txt.tmpl")
			if err == nil {
				lt.text, err = texttemplate.New(key + ".txt.tmpl").Parse(string(src))
			}
			if err == nil {
				err = tryTemplate(lt.text, samples)
			}
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", origin, err)
			}
			src, origin, err = source(key + ".html.tmpl")
			if err == nil {
				lt.html, err = htmltemplate.New(key + ".html.tmpl").Funcs(htmlFuncs).Parse(string(src))
			}
			if err == nil {
				err = tryTemplate(lt.html, samples)
			}
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", origin, err)
			}
			set[key] = lt
		}
	}
	return set, nil
}

func tryTemplate(t interface {
	Execute(io.Writer, any) error
}, samples []TemplateData) error {
	for _, d := range samples {
		if err := t.Execute(io.Discard, d); err != nil {
			return err
		}
	}
	return nil
}

// readOverrides reads the *.tmpl files under dir. A file that matches no
// embedded template is an error rather than silently ignored: a misspelt
// override would otherwise leave the built-in text in place unnoticed.
func readOverrides(dir string) (map[string][]byte, error) {
	out := make(map[string][]byte)
	if dir == "" {
		return out, nil
	}
	fsys := os.DirFS(dir)
	err := fs.WalkDir(fsys, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(name, ".tmpl") {
			return nil
		}
		if _, err := fs.Stat(templateFS, path.Join("templates", name)); err != nil {
			return fmt.Errorf("template %s: replaces no built-in template (want <lang>/<kind>.txt.tmpl or .html.tmpl, lang %v, kind %v)",
				filepath.Join(dir, filepath.FromSlash(name)), composeLanguages, letterKinds)
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		out[name] = src
		return nil
	})
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("template dir %s: %w", dir, err)
		}
		return nil, err
	}
	return out, nil
}

// Names of days and months for formatNextOpen. Go's time package speaks
// only English, and x/text has no date formatting.
var (
	esWeekdays = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	esMonths   = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
		"agosto", "septiembre", "octubre", "noviembre", "diciembre"}
)

// formatNextOpen writes t, in its own location, as a date a customer reads
// in lang: "Monday 30 November at 09:00", "el lunes 30 de noviembre a las
// 09:00". The year is left out: the next window is days away, not months.
func formatNextOpen(t time.Time, lang string) string {
	if lang == "es" {
		at := "a las"
		if t.Hour() == 1 {
			at = "a la" // "a la una"
		}
		return fmt.Sprintf("el %s %d de %s %s %02d:%02d",
			esWeekdays[t.Weekday()], t.Day(), esMonths[t.Month()-1], at, t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%s %d %s at %02d:%02d", t.Weekday(), t.Day(), t.Month(), t.Hour(), t.Minute())
}

// language picks the template language for a Letter: its primary subtag
// when we have templates for it, the default otherwise.
func (c *Composer) language(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if knownLanguage(s) {
		return s
	}
	return c.defaultLang
}
