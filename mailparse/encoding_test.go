package mailparse

import (
	"reflect"
	"testing"
)

func TestDecoders(t *testing.T) {
	if got := string(decodeUU([]byte("begin 644 a.txt\n@:&]L82!U=65N8V]D92!W;W)L9\"P@,#$R,S0U-C<X.2$ \n`\nend\n"))); got != "hola uuencode world, 0123456789!" {
		t.Errorf("decodeUU = %q", got)
	}
	if got, ok := decodeBase64([]byte("aG9s\r\nYQ==aG9sYQ")); string(got) != "holahola" || !ok {
		t.Errorf("decodeBase64 concatenated = %q %v", got, ok)
	}
	if got := string(decodeQP([]byte("a=3Db =\r\nc  \nd=e=4"))); got != "a=b c\nd=e=4" {
		t.Errorf("decodeQP = %q", got)
	}
	if got := decodeUTF7([]byte("Hi Mom -+Jjo--! 1 +- 1 = 2, +AGEAYgBj")); got != "Hi Mom -☺-! 1 + 1 = 2, abc" {
		t.Errorf("decodeUTF7 = %q", got)
	}
	for in, want := range map[string]string{
		"=?utf-8?q?a?= =?utf-8?q?b?=":     "ab",    // space between words dropped
		"=?utf-8?q?a?= x =?utf-8?q?b?=":   "a x b", // text between kept
		"=?utf-8*en?Q?caf=C3=A9?=":        "café",
		"=?broken":                        "=?broken",
		"=?iso-8859-1?B?Y2Fm6Q==?=":       "café",
		"=?windows-1251?B?z/Do4uXy?= мир": "Привет мир",
	} {
		if got := decodeWords(in, ""); got != want {
			t.Errorf("decodeWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in     string
		value  string
		params map[string]string
	}{
		{`Text/Plain; Charset="UTF-8"; format=flowed`, "text/plain", map[string]string{"charset": "UTF-8", "format": "flowed"}},
		{`attachment; filename="a \"quoted\" name.pdf"`, "attachment", map[string]string{"filename": `a "quoted" name.pdf`}},
		{`attachment; filename=my file.pdf; size=3`, "attachment", map[string]string{"filename": "my file.pdf", "size": "3"}},
		{`text/plain charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`multipart/mixed; boundary="----=_Part_1;x"; ;junk`, "multipart/mixed", map[string]string{"boundary": "----=_Part_1;x"}},
		{`attachment; filename*0*=iso-8859-1'es'a%F1o; filename*1=".pdf"; filename="fallback.pdf"`, "attachment",
			map[string]string{"filename": "año.pdf"}},
		{`attachment; filename*=UTF-8''%E2%82%AC%20rate.txt`, "attachment", map[string]string{"filename": "€ rate.txt"}},
	}
	for _, tc := range tests {
		v, p := parseParams(tc.in)
		if v != tc.value || !reflect.DeepEqual(p, tc.params) {
			t.Errorf("parseParams(%q) = %q %q, want %q %q", tc.in, v, p, tc.value, tc.params)
		}
	}
}
