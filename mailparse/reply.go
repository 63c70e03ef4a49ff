package mailparse

import (
	"regexp"
	"strings"
)

// StripReply returns the new text of a reply: without the quoted earlier
// message and without the writer's signature. It follows talon's
// heuristics (mailgun/talon, quotations.py): every line is marked as text
// (t), empty (e), quote (m, starts with '>'), splitter (s: an attribution
// such as "On <date>, <name> wrote:" in several languages, "-----Original
// Message-----", an Outlook "From:/Sent:/To:/Subject:" block) or forward
// (f), and patterns over the marks decide what is quotation:
//
//   - a forward before any quotation keeps everything: the forwarded mail
//     is the content;
//   - quote, text, quote is an inline reply and is kept whole, because the
//     answers sit between the quotes;
//   - a splitter followed by unmarked text cuts everything from the
//     splitter on (Outlook quotes without '>');
//   - otherwise the block from the first splitter, or from the first of two
//     or more quote lines, to the last quote line is removed, and text
//     after it stays (bottom-posting, as Thunderbird users do).
//
// One or two '>' lines without a splitter are not a quotation: people
// write "> 5 GB" in prose. Then a signature after a "-- " line is cut,
// unless it is a client's tagline ("Sent with Sparrow"), which is kept like
// "Sent from my iPhone". If nothing would be left, the text is returned
// whole: an empty case message helps nobody.
func StripReply(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	marks := markLines(lines)
	kept := cutQuotation(lines, marks)
	kept = cutSignature(kept)
	out := strings.TrimSpace(strings.Join(squeezeBlank(kept), "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

var (
	reInline     = regexp.MustCompile(`me*t[te]*m`)
	reSplitText  = regexp.MustCompile(`(se*)+((t|f)+e*)+`)
	reQuotation  = regexp.MustCompile(`((?:s|(?:me*){2,}).*me*)[te]*$`)
	reEmptyQuote = regexp.MustCompile(`((?:s|(?:me*){2,}))e*$`)
	reMarks3     = regexp.MustCompile(`(me*){3}`)
	reFwdStart   = regexp.MustCompile(`^[te]*f`)
)

// cutQuotation applies talon's decisions (process_marked_lines) to the
// marks and returns the lines to keep.
func cutQuotation(lines []string, marks string) []string {
	if !strings.Contains(marks, "s") && !reMarks3.MatchString(marks) {
		marks = strings.ReplaceAll(marks, "m", "t")
	}
	if reFwdStart.MatchString(marks) || reInline.MatchString(marks) {
		return lines
	}
	if loc := reSplitText.FindStringIndex(marks); loc != nil {
		return lines[:loc[0]]
	}
	loc := reQuotation.FindStringSubmatchIndex(marks)
	if loc == nil {
		loc = reEmptyQuote.FindStringSubmatchIndex(marks)
	}
	if loc == nil {
		return lines
	}
	kept := append([]string{}, lines[:loc[2]]...)
	return append(kept, lines[loc[3]:]...)
}

// markLines marks each line (see StripReply). A splitter may span several
// lines, all marked s.
func markLines(lines []string) string {
	marks := make([]byte, len(lines))
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "":
			marks[i] = 'e'
		case strings.HasPrefix(l, ">"):
			marks[i] = 'm'
		case mayBeForward(l) && reForward.MatchString(l):
			marks[i] = 'f'
		default:
			n := splitterLines(lines[i:])
			if n == 0 {
				marks[i] = 't'
				continue
			}
			for j := 0; j < n; j++ {
				marks[i+j] = 's'
			}
			i += n - 1
		}
	}
	return string(marks)
}

// attributionVerbs are the verbs reOnWrote needs; a line without one of
// them, and not ending in a colon (reDateWrote), cannot be an attribution.
var attributionVerbs = []string{"wrote", "escrib", "écrit", "ecrit", "schrieb", "schreef", "escreveu", "scritto",
	"napisał", "skrev", "viết", "napsal", "kirjoitti"}

// attributionLeads are the first words reOnWrote accepts.
var attributionLeads = map[string]bool{"on": true, "el": true, "le": true, "am": true, "op": true, "em": true,
	"il": true, "w": true, "på": true, "den": true, "vào": true, "dne": true}

// mayStartAttribution reports whether a line can begin an attribution:
// reOnWrote needs one of attributionLeads first, reDateWrote a digit.
func mayStartAttribution(first string) bool {
	first = strings.TrimLeft(first, "- \t")
	if first == "" {
		return false
	}
	if first[0] >= '0' && first[0] <= '9' {
		// reDateWrote: 1 to 4 digits, then a date separator.
		n := 0
		for n < len(first) && n < 5 && first[n] >= '0' && first[n] <= '9' {
			n++
		}
		return n <= 4 && n < len(first) && strings.IndexByte("./-", first[n]) >= 0
	}
	word, _, _ := strings.Cut(first, " ")
	return attributionLeads[strings.ToLower(word)]
}

func mayBeAttribution(s string) bool {
	if strings.HasSuffix(strings.TrimRight(s, " -"), ":") {
		return true
	}
	lower := strings.ToLower(s)
	for _, v := range attributionVerbs {
		if strings.Contains(lower, v) {
			return true
		}
	}
	return false
}

// forwardWords are the stems reForward needs.
var forwardWords = []string{"forward", "reenviado", "transf", "weitergeleitet", "doorgestuurd"}

func mayBeForward(l string) bool {
	// reForward wants one of its phrases (17 to 28 bytes) to be the whole
	// line but for dashes, spaces and a colon.
	if t := strings.Trim(l, "-: \t*"); len(t) < 16 || len(t) > 32 {
		return false
	}
	for _, w := range forwardWords {
		if containsFoldASCII(l, w) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether s contains the lower-case ASCII word w
// in any letter case, without allocating a lowered copy of every line.
func containsFoldASCII(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && (s[i+j]|0x20) == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// maxSplitterLen skips long lines quickly: no attribution is this long,
// and a megabyte single-line body must not be matched three times over.
const maxSplitterLen = 400

var (
	reForward = regexp.MustCompile(`(?i)^-*\s*(forwarded message|begin forwarded message|mensaje reenviado|inicio del mensaje reenviado|message transféré|weitergeleitete nachricht|doorgestuurd bericht)\s*-*:?$`)

	reOriginal = regexp.MustCompile(`(?i)^-{2,}\s*(original message|reply message|original nachricht|original-nachricht|mensaje original|message d'origine|ursprüngliche nachricht|originalnachricht|messaggio originale|mensagem original|oorspronkelijk bericht|oprindelig meddelelse|opprinnelig melding|ursprungligt meddelande|исходное сообщение)\s*-{2,}$`)

	// "On <date>, <name> wrote:" and its translations: a lead word, a
	// digit somewhere (the date), the verb, a colon or the verb at the end.
	reOnWrote = regexp.MustCompile(`(?i)^-*\s*(on|el|le|am|op|em|il|il giorno|w dniu|på|den|vào|dne)\s.*\d.*(wrote|escribió|escribio|a écrit|a ecrit|schrieb|schreef|escreveu|ha scritto|napisał|skrev|đã viết|napsal|kirjoitti)(\s.*)?(:|wrote|escribió|schrieb)\s*-*$`)

	// "02.04.2012 14:20 user <a@b> wrote:" in any language: a line that
	// starts with a date, holds an address and ends with a colon.
	reDateWrote = regexp.MustCompile(`^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b.*\S+@\S+.*:$`)

	// "---- John Smith wrote ----" (Android).
	reDashWrote = regexp.MustCompile(`(?i)^-{2,}.*\s(wrote|escribió|a écrit|schrieb)\s*-{2,}$`)

	reHeaderFrom  = regexp.MustCompile(`(?i)^\*?(from|de|von|van|fra|från|od|da|от)\s*\*?\s*:`)
	reHeaderDate  = regexp.MustCompile(`(?i)^\*?(sent|date|enviado|enviada|fecha|gesendet|datum|envoyé|data|inviato|verzonden|skickat|sendt|отправлено)\s*\*?\s*:`)
	reHeaderSubj  = regexp.MustCompile(`(?i)^\*?(subject|asunto|betreff|objet|assunto|oggetto|onderwerp|emne|ämne|temat|тема)\s*\*?\s*:`)
	reHeaderOther = regexp.MustCompile(`(?i)^\*?(to|para|an|à|a|aan|til|till|do|cc|bcc|cco|reply-to|importance|priority|kopie)\s*\*?\s*:`)
	reOneLineHdr  = regexp.MustCompile(`(?i)^\*?(from|de|von)\s*\*?:.*\s\*?(sent|enviado|gesendet|envoyé|date)\s*\*?:.*\s\*?(subject|asunto|betreff|objet)\s*\*?:`)
	reUnderscores = regexp.MustCompile(`^(_{10,}|-{3,}.*-{3,})$`)
)

// splitterLines returns how many lines at the start of ls form a splitter,
// or 0.
func splitterLines(ls []string) int {
	first := strings.TrimSpace(ls[0])
	if len(first) > maxSplitterLen {
		return 0
	}
	// Cheap guards first: each pattern needs what its guard checks, and
	// most lines of a message are prose that fails them all.
	if strings.HasPrefix(first, "--") && (reOriginal.MatchString(first) || reDashWrote.MatchString(first)) ||
		strings.Count(first, ":") >= 3 && reOneLineHdr.MatchString(first) {
		return 1
	}
	if n := headerBlock(ls); n > 0 {
		return n
	}
	// Attributions are wrapped by clients over up to three lines.
	if !mayStartAttribution(first) {
		return 0
	}
	joined := ""
	for n := 1; n <= 3 && n <= len(ls); n++ {
		l := strings.TrimSpace(ls[n-1])
		if l == "" || (n > 1 && strings.HasPrefix(l, ">")) || len(joined)+len(l) > maxSplitterLen {
			break
		}
		joined = strings.TrimSpace(joined + " " + l)
		if mayBeAttribution(joined) && (reOnWrote.MatchString(joined) || reDateWrote.MatchString(joined)) {
			return n
		}
	}
	return 0
}

// headerBlock recognises the header block Outlook and web mailers put
// above a quoted message: From:, then within a few lines at least two of
// Sent/Date, To/Cc and Subject, of which one is a date or a subject; a line
// of underscores or a dashed title above it belongs to it. "From: Monday To: Friday"
// in prose does not qualify.
func headerBlock(ls []string) int {
	i := 0
	if first := strings.TrimSpace(ls[0]); (strings.HasPrefix(first, "__") || strings.HasPrefix(first, "---")) && reUnderscores.MatchString(first) {
		i = 1
	}
	if i >= len(ls) || strings.IndexByte(ls[i], ':') < 0 || !reHeaderFrom.MatchString(strings.TrimSpace(ls[i])) {
		return 0
	}
	others, dateOrSubj, last := 0, false, i
	for j := i + 1; j < len(ls) && j <= i+8; j++ {
		l := strings.TrimSpace(ls[j])
		if l == "" {
			break
		}
		switch {
		case reHeaderDate.MatchString(l), reHeaderSubj.MatchString(l):
			dateOrSubj = true
		case reHeaderOther.MatchString(l):
		default:
			continue // a wrapped header value
		}
		others++
		last = j
	}
	if others < 2 || !dateOrSubj {
		return 0
	}
	return last + 1
}

// squeezeBlank drops blank lines that follow a blank line: cutting a
// quotation out of the middle leaves the blank lines from both sides.
func squeezeBlank(lines []string) []string {
	out := lines[:0:0]
	for i, l := range lines {
		if strings.TrimSpace(l) == "" && i > 0 && strings.TrimSpace(lines[i-1]) == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

var reTagline = regexp.MustCompile(`(?i)^(sent|envoyé|enviado|gesendet|inviato|verzonden) (from|with|via|using|de|desde|depuis|von|mit|da|vanaf) `)

// cutSignature cuts from the last "-- " (RFC 3676 section 4.3) or "--"
// line, unless the signature is a mail client's tagline.
func cutSignature(lines []string) []string {
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i] != "-- " && lines[i] != "--" {
			continue
		}
		for _, l := range lines[i+1:] {
			if reTagline.MatchString(strings.TrimSpace(l)) {
				return lines
			}
		}
		return lines[:i]
	}
	return lines
}
