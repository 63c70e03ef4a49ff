package support

import "strings"

// DetectLanguage guesses whether text is Spanish or English from common
// function words, for customers whose client sends no Content-Language. It
// returns "" when there is too little evidence either way.
func DetectLanguage(text string) string {
	text = truncate(text, 1000)
	es, en := 0, 0
	for _, w := range words(text) {
		if spanishWords[w] {
			es++
		}
		if englishWords[w] {
			en++
		}
	}
	switch {
	case es >= 2 && es > en:
		return "es"
	case en >= 2 && en > es:
		return "en"
	}
	return ""
}

// NormalizeLanguage reduces a Content-Language value ("es-ES, en") to the
// primary subtag of its first tag ("es").
func NormalizeLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, ",;"); i >= 0 {
		tag = tag[:i]
	}
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.TrimSpace(tag)
}

var spanishWords = setOf("el", "la", "los", "las", "de", "que", "y", "en", "un", "una", "por", "con", "para", "es",
	"no", "se", "del", "al", "lo", "mi", "hola", "gracias", "pero", "esta", "este", "muy", "tengo", "puedo",
	"saludos", "buenos", "buenas", "dias", "favor", "estimados", "cuenta", "correo")

var englishWords = setOf("the", "and", "of", "to", "is", "in", "it", "you", "that", "for", "with", "on", "my",
	"hello", "hi", "thanks", "thank", "please", "but", "this", "have", "can", "regards", "dear", "account", "we", "our")

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
