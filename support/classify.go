package support

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Classify makes a first guess at the kind of a case from the words of its
// subject and body, in English and Spanish. It is only a first guess: agents
// correct it. Subject words weigh three times body words because customers
// name the problem there. Ties and silence fall to KindProblem, the kind with
// the tightest promises, so a misclassified case errs on the side of speed.
func Classify(subject, body string) Kind {
	score := map[Kind]int{}
	count := func(text string, weight int) {
		ws := words(text)
		for _, w := range ws {
			if k, ok := kindWords[w]; ok {
				score[k] += weight
				continue
			}
			for _, st := range kindStems {
				if strings.HasPrefix(w, st.prefix) {
					score[st.kind] += weight
					break
				}
			}
		}
		joined := " " + strings.Join(ws, " ") + " "
		for phrase, k := range kindPhrases {
			score[k] += weight * strings.Count(joined, " "+phrase+" ")
		}
	}
	count(subject, 3)
	// What a case is about is said at the top; the rest is logs and
	// pasted output, which would only add noise (and CPU per message).
	count(truncate(body, 1500), 1)
	best, bestScore := KindProblem, score[KindProblem]
	for _, k := range []Kind{KindConfiguration, KindInformation} {
		if score[k] > bestScore {
			best, bestScore = k, score[k]
		}
	}
	return best
}

// words lower-cases text, strips accents (customers write "configuracion"
// as often as "configuración") and splits it on anything not a letter or
// digit.
func words(text string) []string {
	if isASCII(text) {
		return asciiWords(text)
	}
	s := strings.ToLower(text)
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// asciiWords is words for ASCII text, the common case: one pass over the
// bytes, the words sliced out of one lowered copy (FieldsFunc's per-rune
// callback cost more than the rest of the classification).
func asciiWords(text string) []string {
	lower := strings.ToLower(text)
	out := make([]string, 0, len(lower)/6)
	start := -1
	for i := 0; i <= len(lower); i++ {
		word := i < len(lower) && ('a' <= lower[i] && lower[i] <= 'z' || '0' <= lower[i] && lower[i] <= '9')
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, lower[start:i])
			start = -1
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

var kindWords = map[string]Kind{
	// problem
	"error": KindProblem, "errors": KindProblem, "errores": KindProblem, "fail": KindProblem,
	"fails": KindProblem, "failed": KindProblem, "failing": KindProblem, "failure": KindProblem,
	"broken": KindProblem, "down": KindProblem, "outage": KindProblem, "crash": KindProblem,
	"crashes": KindProblem, "bug": KindProblem, "issue": KindProblem, "problem": KindProblem,
	"slow": KindProblem, "unavailable": KindProblem, "cannot": KindProblem, "can't": KindProblem,
	"urgent": KindProblem, "timeout": KindProblem, "500": KindProblem, "503": KindProblem,
	"problema": KindProblem, "problemas": KindProblem, "fallo": KindProblem, "falla": KindProblem,
	"caido": KindProblem, "caida": KindProblem, "roto": KindProblem, "lento": KindProblem,
	"incidencia": KindProblem, "urgente": KindProblem, "funciona": KindProblem, "averia": KindProblem,
	// configuration
	"configure": KindConfiguration, "configuration": KindConfiguration, "config": KindConfiguration,
	"setup": KindConfiguration, "enable": KindConfiguration, "disable": KindConfiguration,
	"change": KindConfiguration, "add": KindConfiguration, "remove": KindConfiguration,
	"increase": KindConfiguration, "whitelist": KindConfiguration, "allowlist": KindConfiguration,
	"dns": KindConfiguration, "quota": KindConfiguration, "migrate": KindConfiguration,
	"configurar": KindConfiguration, "configuracion": KindConfiguration, "cambiar": KindConfiguration,
	"cambio": KindConfiguration, "activar": KindConfiguration, "desactivar": KindConfiguration,
	"habilitar": KindConfiguration, "deshabilitar": KindConfiguration, "anadir": KindConfiguration,
	"agregar": KindConfiguration, "eliminar": KindConfiguration, "ampliar": KindConfiguration,
	"alta": KindConfiguration, "baja": KindConfiguration,
	// information
	"question": KindInformation, "information": KindInformation, "info": KindInformation,

	"documentation": KindInformation, "docs": KindInformation, "pricing": KindInformation,
	"wondering": KindInformation, "clarify": KindInformation, "explain": KindInformation,
	"pregunta": KindInformation, "consulta": KindInformation, "informacion": KindInformation,
	"duda": KindInformation, "dudas": KindInformation,
	"documentacion": KindInformation, "precio": KindInformation, "precios": KindInformation,
	"saber": KindInformation, "explicar": KindInformation,
}

// kindStems catch the inflections single words miss: Spanish verbs
// ("configuro", "configurado", "habilitamos") and English derivations.
var kindStems = []struct {
	prefix string
	kind   Kind
}{
	{"configur", KindConfiguration}, {"habilit", KindConfiguration}, {"deshabilit", KindConfiguration},
	{"modific", KindConfiguration}, {"instal", KindConfiguration}, {"actualiz", KindConfiguration},
	{"cambi", KindConfiguration}, {"activ", KindConfiguration}, {"desactiv", KindConfiguration},
	{"fall", KindProblem}, {"error", KindProblem}, {"crash", KindProblem}, {"averi", KindProblem},
	{"pregunt", KindInformation}, {"consult", KindInformation}, {"inform", KindInformation},
	{"document", KindInformation}, {"explic", KindInformation},
}

// kindPhrases catch what single words miss ("no funciona" is a problem even
// though "como" is in the same sentence).
var kindPhrases = map[string]Kind{
	"does not work":        KindProblem,
	"doesn t work":         KindProblem,
	"not working":          KindProblem,
	"no funciona":          KindProblem,
	"no puedo":             KindProblem,
	"no carga":             KindProblem,
	"please change":        KindConfiguration,
	"please enable":        KindConfiguration,
	"could you add":        KindConfiguration,
	"por favor cambiar":    KindConfiguration,
	"is it possible":       KindInformation,
	"es posible":           KindInformation,
	"me gustaria saber":    KindInformation,
	"i would like to know": KindInformation,
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
