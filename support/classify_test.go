package support

import (
	"strings"
	"testing"
	"unicode"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		subject, body string
		want          Kind
	}{
		{"No puedo acceder al panel", "el panel da error 500 desde esta mañana", KindProblem},
		{"Website down", "Our site returns 503 since 10:00", KindProblem},
		{"La web no funciona", "", KindProblem},
		{"¿Cómo configurar el correo?", "¿cómo configuro el correo en el móvil?", KindConfiguration},
		{"Please enable DKIM for our domain", "", KindConfiguration},
		{"Cambio de DNS", "Necesitamos cambiar los registros MX", KindConfiguration},
		{"Consulta sobre precios", "Me gustaría saber el precio del plan anual", KindInformation},
		{"Question about the documentation", "Where can I find the API docs?", KindInformation},
		{"", "", KindProblem},
		{"Hola", "Gracias", KindProblem},
	}
	for _, tt := range tests {
		if got := Classify(tt.subject, tt.body); got != tt.want {
			t.Errorf("Classify(%q, %q) = %s, want %s", tt.subject, tt.body, got, tt.want)
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	if !StatusResolutionProposed.CanTransition(StatusResolved) || !StatusResolutionProposed.CanTransition(StatusOpen) {
		t.Error("a proposed resolution must be confirmable and reopenable")
	}
	if StatusNew.CanTransition(StatusResolved) {
		t.Error("a case cannot be resolved without a proposal the customer agrees to")
	}
	if !StatusResolved.CanTransition(StatusOpen) || !StatusWaiting.CanTransition(StatusOpen) {
		t.Error("a customer reply reopens a resolved or waiting case")
	}
}

func TestAllReferencesNewestFirst(t *testing.T) {
	m := &Message{MessageID: "self", InReplyTo: []string{"p"}, References: []string{"root", "mid", "p", "self"}}
	got := m.AllReferences()
	want := []string{"p", "mid", "root"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSplitPlus(t *testing.T) {
	for in, want := range map[string][2]string{
		"Support+Tok@Example.com": {"support@example.com", "tok"},
		"<support@example.com>":   {"support@example.com", ""},
		"a+b+c@x":                 {"a@x", "b+c"},
	} {
		base, detail, ok := SplitPlus(in)
		if !ok || base != want[0] || detail != want[1] {
			t.Errorf("SplitPlus(%q) = %q %q %v", in, base, detail, ok)
		}
	}
	for _, bad := range []string{"", "nobody", "x@", "@x"} {
		if _, _, ok := SplitPlus(bad); ok {
			t.Errorf("SplitPlus(%q) ok", bad)
		}
	}
}

// TestWordsASCIIMatchesGeneral: the ASCII fast path splits and lowers
// exactly as the general path does.
func TestWordsASCIIMatchesGeneral(t *testing.T) {
	for _, text := range []string{
		"", "   ", "Error 500 on the LOGIN page!!", "re: [Case #12] can't-connect_to db2\r\n--\nAna",
		"a", "A1b2 C3", "tabs\tand\nnewlines", "x.y@z.com http://example.com/path?q=1",
	} {
		fast := asciiWords(text)
		slow := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if strings.Join(fast, "|") != strings.Join(slow, "|") || len(fast) != len(slow) {
			t.Errorf("%q: fast %q, general %q", text, fast, slow)
		}
	}
}
