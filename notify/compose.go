package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message"

	"github.com/casemail/casemail/support"
)

// LetterKind is what a letter is for; it chooses the template.
type LetterKind string

const (
	LetterAck      LetterKind = "ack"      // automatic acknowledgement of a new case
	LetterResponse LetterKind = "response" // an agent's answer relayed to the customer
	LetterUpdate   LetterKind = "update"   // an agent's progress update to the customer
	LetterNotice   LetterKind = "notice"   // an automatic notice to the support team
)

// letterKinds lists every kind; each has a template per language.
var letterKinds = []LetterKind{LetterAck, LetterResponse, LetterUpdate, LetterNotice}

func (k LetterKind) valid() bool {
	switch k {
	case LetterAck, LetterResponse, LetterUpdate, LetterNotice:
		return true
	}
	return false
}

// automatic reports whether letters of kind k are sent by no person, and so
// must say so (RFC 3834 §5) whatever Letter.Auto says.
func (k LetterKind) automatic() bool { return k == LetterAck || k == LetterNotice }

// Letter is one mail casemail sends. Every string in it may come from a
// customer or an agent and is cleaned before it reaches a header.
type Letter struct {
	Kind       LetterKind
	CaseNumber uint64
	// CaseSubject is the case's subject. It is customer-written, and the
	// only customer text an automatic letter may echo: acknowledgements
	// that quote a message let anyone send our mail to a forged address.
	CaseSubject string
	To          support.Address // the recipient
	Language    string          // "en" or "es" (a region such as "es-ES" is ignored); anything else is Options.DefaultLanguage
	MessageID   string          // ours, without <>, chosen by the caller and already recorded in the case
	InReplyTo   string          // the message this one answers, without <>; may be empty
	References  []string        // the thread, oldest first, without <>
	ThreadIndex string          // the Thread-Index of the message answered, if it had one, to extend
	ReplyTo     string          // our reply address carrying the signed token, e.g. support+TOKEN@example.com
	// Agent is set for responses and updates: From becomes
	// "Agent Name via Support Name" <support address>. Only the name is
	// shown; the agent's own address never leaves, and From stays our
	// domain so DMARC alignment holds.
	Agent *support.Address
	Text  string // the agent's text for responses and updates, our own for notices; ignored for acks
	Hours string // for acks: the business hours, in the letter's language, e.g. "Monday to Friday, 09:00–18:00 (Europe/Madrid)"
	// NextOpen is, for acks, when the next business window opens (zero:
	// open now). It is shown in its own location, in the letter's language.
	NextOpen time.Time
	// Auto marks the letter automatic (RFC 3834): Auto-Submitted and
	// X-Auto-Response-Suppress: All. Acks and notices are always automatic.
	// Precedence is never written.
	Auto bool
}

// Options configures a Composer.
type Options struct {
	SupportName     string // display name of our mail, e.g. "Example Support"
	SupportAddress  string // e.g. "support@example.com"; From of every letter
	DefaultLanguage string // "en" (the default) or "es"
	// TemplateDir optionally holds templates named like the embedded ones
	// (e.g. es/ack.txt.tmpl); each file found replaces its embedded twin.
	TemplateDir string
}

// Composer turns Letters into RFC 5322 messages. It is safe for concurrent
// use: templates are parsed once and only executed afterwards.
type Composer struct {
	name, address string
	defaultLang   string
	templates     map[string]*letterTemplates // by language + "/" + kind
}

// NewComposer parses the embedded templates and any overrides in
// opt.TemplateDir. A template that does not parse or execute, or an
// override file that replaces nothing, is an error naming the file.
func NewComposer(opt Options) (*Composer, error) {
	addr, err := cleanAddrSpec(opt.SupportAddress)
	if err != nil {
		return nil, fmt.Errorf("support address: %w", err)
	}
	lang := opt.DefaultLanguage
	if lang == "" {
		lang = "en"
	}
	if !knownLanguage(lang) {
		return nil, fmt.Errorf("default language %q: want one of %v", lang, composeLanguages)
	}
	tm, err := loadTemplates(opt.TemplateDir)
	if err != nil {
		return nil, err
	}
	return &Composer{name: displayName(opt.SupportName), address: addr, defaultLang: lang, templates: tm}, nil
}

// Compose writes l as a complete message dated date: a multipart/
// alternative of text/plain and text/html, both UTF-8 quoted-printable,
// with CRLF line endings, ready for SMTP DATA.
func (c *Composer) Compose(l *Letter, date time.Time) ([]byte, error) {
	if l == nil {
		return nil, errors.New("compose: nil letter")
	}
	if !l.Kind.valid() {
		return nil, fmt.Errorf("compose case %d: unknown letter kind %q", l.CaseNumber, l.Kind)
	}
	if date.IsZero() {
		return nil, fmt.Errorf("compose case %d: zero date", l.CaseNumber)
	}
	lang := c.language(l.Language)
	fields, err := c.headerFields(l, lang, date)
	if err != nil {
		return nil, fmt.Errorf("compose case %d: %w", l.CaseNumber, err)
	}
	text, html, err := c.render(l.Kind, lang, c.templateData(l, lang))
	if err != nil {
		return nil, fmt.Errorf("compose case %d: %w", l.CaseNumber, err)
	}
	raw, err := writeAlternative(fields, boundaryFor(l.MessageID), text, html)
	if err != nil {
		return nil, fmt.Errorf("compose case %d: %w", l.CaseNumber, err)
	}
	return raw, nil
}

// headerField is one header field with its value encoded; it must hold no
// CR or LF, which foldField refuses.
type headerField struct{ key, value string }

// writeAlternative writes the header fields in order, then the two parts:
// text first, HTML last, because RFC 2046 §5.1.4 puts the preferred
// alternative last.
func writeAlternative(fields []headerField, boundary, text, html string) ([]byte, error) {
	fields = append(fields,
		headerField{"MIME-Version", "1.0"},
		headerField{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})},
	)
	var h message.Header
	// textproto.Header writes the field added last first.
	for i := len(fields) - 1; i >= 0; i-- {
		raw, err := foldField(fields[i].key, fields[i].value)
		if err != nil {
			return nil, err
		}
		h.AddRaw(raw)
	}
	var buf bytes.Buffer
	mw, err := message.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("write header: %w", err)
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", html}} {
		var ph message.Header
		ph.Add("Content-Transfer-Encoding", "quoted-printable")
		ph.Add("Content-Type", mime.FormatMediaType(p.typ, map[string]string{"charset": "utf-8"}))
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("write %s part: %w", p.typ, err)
		}
		if _, err := pw.Write([]byte(p.body)); err != nil {
			return nil, fmt.Errorf("write %s part: %w", p.typ, err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("write %s part: %w", p.typ, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("close multipart: %w", err)
	}
	return buf.Bytes(), nil
}

// boundaryFor derives the MIME boundary from the Message-ID, so the same
// letter composes to the same bytes (a retried send, a golden file). It
// starts with "=_", which cannot occur in quoted-printable text, where "="
// is always followed by two hex digits or a line break.
func boundaryFor(msgID string) string {
	sum := sha256.Sum256([]byte(msgID))
	return "=_casemail_" + hex.EncodeToString(sum[:12])
}

// maxLineLen is the line length RFC 5322 §2.1.1 asks for (78 characters,
// CRLF excluded). go-message folds only where a field stays under 76 in
// one go and otherwise keeps it on one line of up to 998, so we fold here.
const maxLineLen = 78

// foldField formats "Key: value" CRLF-terminated, folding at spaces (RFC
// 5322 §2.2.3) before a line would pass maxLineLen, even right after the
// colon. A word longer than a line gets a line of its own; the caller keeps
// words under the 998 limit. A value holding CR or LF is refused: it is the
// last guard against header injection, after the cleaning of every input.
func foldField(key, value string) ([]byte, error) {
	if strings.ContainsAny(value, "\r\n") {
		return nil, fmt.Errorf("header %s: value contains CR or LF", key)
	}
	var b strings.Builder
	b.WriteString(key)
	b.WriteByte(':')
	n := b.Len()
	for _, w := range strings.Split(value, " ") {
		// Never fold before an empty word: a line of only white space
		// is obsolete syntax that must not be generated (RFC 5322 §4.2).
		if w != "" && n+1+len(w) > maxLineLen {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		n += 1 + len(w)
	}
	b.WriteString("\r\n")
	return []byte(b.String()), nil
}
