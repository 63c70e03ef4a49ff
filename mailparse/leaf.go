package mailparse

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/casemail/casemail/support"
)

// leaf handles an entity that is not a multipart: a text candidate or an
// attachment.
func (w *walker) leaf(e *entity) []bodyText {
	name := w.filename(e)
	isText := e.ctype == "text/plain" || e.ctype == "text/html"
	if !isText || e.disp == "attachment" || name != "" {
		w.attach(e, name)
		return nil
	}
	data, note := decodeTransfer(e.hdr.get("Content-Transfer-Encoding"), e.body)
	if note != "" {
		w.note("%s", note)
	}
	cs := e.params["charset"]
	if cs == "" && e.ctype == "text/html" {
		cs = metaCharset(data)
	}
	text, note := decodeCharset(data, cs)
	if note != "" {
		w.note("%s", note)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	if e.ctype == "text/plain" && strings.EqualFold(e.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(e.params["delsp"], "yes"))
	}
	lang := firstLanguage(fix8bit(e.hdr.get("Content-Language"), ""))
	return []bodyText{{text: text, html: e.ctype == "text/html", lang: lang}}
}

// filename finds an entity's file name: Content-Disposition filename first
// (RFC 2183), then the older Content-Type name. Both may be RFC 2231 encoded
// (parseParams decoded that), RFC 2047 encoded although that standard
// forbids it in parameters, or raw 8-bit. Directory parts are dropped: a
// name is for showing, and some clients send the sender's full path.
func (w *walker) filename(e *entity) string {
	n := e.dparams["filename"]
	if n == "" {
		n = e.params["name"]
	}
	if n == "" {
		return ""
	}
	n = decodeHeader(n, w.hint)
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	return strings.TrimSpace(n)
}

// attach records e as an attachment with its decoded content.
func (w *walker) attach(e *entity, name string) {
	data, note := decodeTransfer(e.hdr.get("Content-Transfer-Encoding"), e.body)
	if note != "" {
		w.note("%s", note)
	}
	if len(data) > 0 && len(e.body) > 0 && &data[0] == &e.body[0] {
		// Undecoded content is a slice of the input, which the caller
		// may reuse; the Message must not change under its holder.
		data = bytes.Clone(data)
	}
	cid := strings.Trim(fix8bit(e.hdr.get("Content-ID"), ""), "<> \t")
	if name == "" && cid != "" {
		// An unnamed inline image is named by its Content-ID's left side,
		// which clients make from the file name ("image001.jpg@01CD...");
		// Zammad does the same.
		name, _, _ = strings.Cut(cid, "@")
		name = strings.TrimSpace(name[strings.LastIndexAny(name, `/\`)+1:])
	}
	if name == "" {
		name = w.inventName(e, data)
	}
	w.atts = append(w.atts, support.Attachment{
		Filename:    name,
		ContentType: fix8bit(e.ctype, ""),
		Size:        int64(len(data)),
		Inline:      e.disp == "inline" || (e.disp == "" && cid != ""),
		ContentID:   cid,
		Data:        data,
	})
}

// inventName names an attachment that came without a name, so that agents
// see something they can click: an attached mail by its subject, anything
// else by its position and type.
func (w *walker) inventName(e *entity, data []byte) string {
	if e.ctype == "message/rfc822" || e.ctype == "message/global" {
		h, _, _ := readHeader(data)
		subj := strings.TrimSpace(decodeHeader(h.get("Subject"), w.hint))
		subj = strings.Map(func(r rune) rune {
			if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
				return '_'
			}
			return r
		}, subj)
		if len([]rune(subj)) > 100 {
			subj = string([]rune(subj)[:100])
		}
		if subj == "" {
			subj = "message"
		}
		return subj + ".eml"
	}
	ext, ok := typeExt[e.ctype]
	if !ok {
		ext = ".bin"
	}
	return fmt.Sprintf("part-%d%s", len(w.atts)+1, ext)
}

// typeExt gives an extension for the types that come unnamed in practice:
// bounce reports, inline images, calendar invitations.
var typeExt = map[string]string{
	"text/plain": ".txt", "text/html": ".html", "text/calendar": ".ics",
	"text/rfc822-headers": ".txt", "message/delivery-status": ".txt",
	"message/disposition-notification": ".txt", "message/feedback-report": ".txt",
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
	"application/pdf": ".pdf", "application/pgp-signature": ".asc",
	"application/pkcs7-signature": ".p7s", "application/ms-tnef": ".dat",
}

var reMetaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// metaCharset reads the charset an HTML part declares in its own <meta>,
// for parts whose Content-Type does not say.
func metaCharset(b []byte) string {
	if len(b) > 4096 {
		b = b[:4096]
	}
	if m := reMetaCharset.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// firstLanguage returns the first language tag of a Content-Language
// value (RFC 3282), lower case.
func firstLanguage(v string) string {
	v, _ = stripComments(v)
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676
// section 4), so a paragraph reads as one line however the sender's client
// wrapped it. Quote depth is kept: lines of different depth never join.
func unflow(text string, delsp bool) string {
	var out []string
	var cur strings.Builder
	curDepth, open := 0, false
	for _, line := range strings.Split(text, "\n") {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := strings.TrimPrefix(line[depth:], " ") // space-stuffing
		if open && depth != curDepth {
			out = append(out, cur.String())
			cur.Reset()
			open = false
		}
		if !open {
			if depth > 0 {
				cur.WriteString(strings.Repeat(">", depth))
				if content != "" {
					cur.WriteByte(' ')
				}
			}
			curDepth = depth
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delsp {
			content = content[:len(content)-1]
		}
		cur.WriteString(content)
		if soft {
			open = true
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
		open = false
	}
	if open {
		out = append(out, cur.String())
	}
	return strings.Join(out, "\n")
}
