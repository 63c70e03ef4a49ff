package agentcmd

import (
	"strings"
	"unicode"
)

// IsConfirmation reports whether a customer's reply (its new text, without
// the quotation) confirms a proposed resolution: "confirm", "Confirmado.",
// "sí, confirmo", "ok confirm", "CONFIRMO!!".
//
// A false positive closes a case the customer still needs, so it errs
// towards "no" and leaves the reply to an agent:
//
//   - only the first non-blank line counts (after at most one greeting
//     line such as "Hola Ana,"), and it must have at most maxConfirmWords
//     words;
//   - it must hold a confirming word, and every other word must be one of a
//     short list of affirmations and thanks: "I can't confirm, it still
//     fails", "no confirmo", "not confirmed", "Confirmo que sigue fallando"
//     and "please confirm" all have a word outside the list;
//   - a question mark anywhere in it ("¿confirmo?") means no.
func IsConfirmation(text string) bool {
	if len(text) > maxConfirmScan {
		text = text[:maxConfirmScan] // the answer is at the top; bound the work
	}
	text = normalizeNewlines(text)
	greeted := false
	for rest := text; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = trim(line)
		if line == "" {
			continue
		}
		if !greeted && isGreeting(line) {
			greeted = true
			continue
		}
		return confirms(line)
	}
	return false
}

const (
	maxConfirmWords = 6
	maxConfirmLine  = 200  // bytes; a confirmation is a few words
	maxConfirmScan  = 4096 // bytes of the reply looked at
)

// confirms applies the rules of IsConfirmation to one line.
func confirms(line string) bool {
	if len(line) > maxConfirmLine || strings.ContainsAny(line, "?¿") {
		return false
	}
	ws := confirmWords(line)
	if len(ws) == 0 || len(ws) > maxConfirmWords {
		return false
	}
	found := false
	for i, w := range ws {
		prev, next := "", ""
		if i > 0 {
			prev = ws[i-1]
		}
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		// Some words are only safe in one phrase: "thank you" but not
		// "you confirm", "I can confirm" but not "can you confirm".
		inPhrase := w == "you" && prev == "thank" ||
			w == "can" && (prev == "i" || prev == "we") ||
			w == "de" && next == "acuerdo"
		switch {
		case confirmingWords[w]:
			found = true
		case !assentWords[w] && !inPhrase:
			return false
		}
	}
	return found
}

// confirmWords splits a line into folded words. Digits stay in words (so
// "confirm 2" has a word outside the list); apostrophes split them, so
// "can't" becomes "can" "t" and the lone "t" is outside the list.
func confirmWords(line string) []string {
	return strings.FieldsFunc(fold(line), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// isGreeting reports whether line is only a salutation ("Hola Ana,",
// "Good morning", "Hi team!"), which customers put above their answer.
// A negation or a question in it means it is more than a greeting.
// Only the first word must greet; the others may be names.
func isGreeting(line string) bool {
	if len(line) > maxConfirmLine || strings.ContainsAny(line, "?¿") {
		return false
	}
	ws := confirmWords(line)
	if len(ws) == 0 || len(ws) > 4 || !greetingWords[ws[0]] {
		return false
	}
	only := true // nothing but greeting words: "Good morning"
	for _, w := range ws {
		if notGreeting[w] || confirmingWords[w] {
			return false
		}
		only = only && greetingWords[w]
	}
	// Otherwise the salutation's own punctuation must close it ("Hola Ana,"),
	// so "Hi, can you" followed by "confirm" is not taken for a greeting.
	return only || strings.HasSuffix(line, ",") || strings.HasSuffix(line, "!") || strings.HasSuffix(line, ":")
}

var confirmingWords = setOf("confirm", "confirmed", "confirmo", "confirmado", "confirmada",
	"confirmados", "confirmamos", "confirmar")

// assentWords may stand next to a confirming word without changing its
// meaning. Negations, "please", "that", "que", "but", "pero", "still" are
// deliberately absent.
var assentWords = setOf("yes", "yep", "yeah", "ok", "okay", "sure", "i", "we", "great", "perfect",
	"thanks", "thank", "thx", "cheers", "all", "good", "hi", "hello", "hola",
	"si", "vale", "perfecto", "perfecta", "genial", "gracias", "muchas", "mil", "todo", "bien", "acuerdo")

var greetingWords = setOf("hi", "hello", "hey", "dear", "good", "morning", "afternoon", "evening",
	"hola", "buenas", "buenos", "dias", "tardes", "noches", "estimado", "estimada", "estimados", "estimadas")

// notGreeting are words that make a short first line more than a greeting:
// negations and the start of a request.
var notGreeting = setOf("no", "not", "nope", "never", "nunca", "todavia", "aun", "still", "but",
	"pero", "sigue", "yet", "nada", "ni", "can", "could", "you", "please", "puede", "puedes", "podria",
	"podrias", "favor")

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
