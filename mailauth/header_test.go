package mailauth

import (
	"reflect"
	"testing"
)

func TestReadHeader(t *testing.T) {
	raw := " junk first line: x\r\n" +
		"From: Ana\r\n <ana@example.com>\r\n" +
		"a line without colon\r\n" +
		"\tfolded onto junk\r\n" +
		"Subject:hi\n" + // bare LF
		"\r\n" +
		"Body: not a header\r\n"
	h := readHeader([]byte(raw))
	want := []field{{"From", "Ana <ana@example.com>"}, {"Subject", "hi"}}
	if !reflect.DeepEqual(h.fields, want) {
		t.Errorf("fields = %q, want %q", h.fields, want)
	}
	if h.size != len(raw)-len("Body: not a header\r\n") {
		t.Errorf("size = %d", h.size)
	}
	if want := len("From: Ana\r\n <ana@example.com>\r\n") + len("a line without colon\r\n\tfolded onto junk\r\n"); h.foldCost != want {
		t.Errorf("foldCost = %d, want %d", h.foldCost, want)
	}
}

func TestFromDomain(t *testing.T) {
	tests := []struct {
		from      []string
		want      string
		ambiguous bool
	}{
		{[]string{"Ana <ana@Example.COM>"}, "example.com", false},
		{[]string{"=?windows-1252?Q?Jos=E9?= <jose@example.com>"}, "example.com", false},
		{[]string{"a@example.com, b@other.example"}, "example.com", false},
		{[]string{"Agent, Ana <ana@example.com>"}, "example.com", false},
		{[]string{"[??????]", "ana@example.com"}, "example.com", false},
		{[]string{"ana@example.com", "Ana <ana@EXAMPLE.com>"}, "example.com", false},
		{[]string{"ana@example.com", "ana@attacker.example"}, "example.com", true},
		{[]string{"ana@[192.0.2.1]"}, "", false},
		{[]string{"undisclosed-recipients:;"}, "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		var h header
		for _, f := range tt.from {
			h.fields = append(h.fields, field{"From", f})
		}
		if d, amb := fromDomain(h); d != tt.want || amb != tt.ambiguous {
			t.Errorf("fromDomain(%q) = %q, %v, want %q, %v", tt.from, d, amb, tt.want, tt.ambiguous)
		}
	}
}
