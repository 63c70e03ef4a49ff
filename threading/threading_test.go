package threading

import (
	"fmt"
	"testing"

	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/support"
)

// fakeLookup is an in-memory Lookup: case 7 with ana as participant, known
// by two Message-IDs.
type fakeLookup struct {
	ids   map[string]uint64
	cases map[uint64]*support.Case
}

func newFake() *fakeLookup {
	c := &support.Case{Number: 7}
	c.AddParticipant(support.Address{Address: "Ana@Cliente.es"})
	return &fakeLookup{
		ids:   map[string]uint64{"root@cliente.es": 7, "ours-1@example.com": 7},
		cases: map[uint64]*support.Case{7: c},
	}
}

func (f *fakeLookup) CaseForMessageID(id string) (uint64, error) { return f.ids[id], nil }
func (f *fakeLookup) Case(n uint64) (*support.Case, error) {
	if c, ok := f.cases[n]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("case %d: %w", n, support.ErrNotFound)
}

var key = []byte("0123456789abcdef0123456789abcdef")

func TestAssign(t *testing.T) {
	opt := Options{Key: key, Addresses: []string{"support@example.com"}}
	ana := support.Address{Address: "ana@cliente.es"}
	eve := support.Address{Address: "eve@attacker.example"}
	tokAna := replytoken.Mint(key, 7, "ana@cliente.es")
	tests := []struct {
		name       string
		msg        support.Message
		rcpts      []string
		want       uint64
		reason     Reason
		tokenMatch bool
	}{
		{"new mail", support.Message{From: ana, Subject: "hola"}, nil, 0, NewCase, false},
		{"in-reply-to", support.Message{From: ana, InReplyTo: []string{"root@cliente.es"}}, nil, 7, ByReferences, false},
		{"references only, newest unknown", support.Message{From: ana, References: []string{"root@cliente.es", "unknown@x"}}, nil, 7, ByReferences, false},
		{"reply to our own notification", support.Message{From: eve, InReplyTo: []string{"ours-1@example.com"}}, nil, 7, ByReferences, false},
		{"token", support.Message{From: ana, Subject: "x"}, []string{"support+" + tokAna + "@example.com"}, 7, ByToken, true},
		{"token upper-cased by an MTA", support.Message{From: ana}, []string{"SUPPORT+" + tokAna + "@EXAMPLE.COM"}, 7, ByToken, true},
		{"token used by another sender", support.Message{From: eve}, []string{"support+" + tokAna + "@example.com"}, 7, ByToken, false},
		{"token on a foreign address", support.Message{From: ana}, []string{"sales+" + tokAna + "@example.com"}, 0, NewCase, false},
		{"forged token", support.Message{From: eve}, []string{"support+" + tokAna[:len(tokAna)-1] + "q@example.com"}, 0, NewCase, false},
		{"token for a case that does not exist", support.Message{From: ana}, []string{"support+" + replytoken.Mint(key, 99, "ana@cliente.es") + "@example.com"}, 0, NewCase, false},
		{"subject tag from a participant", support.Message{From: ana, Subject: "RE: [Case #7] más datos"}, nil, 7, BySubjectTag, false},
		{"subject tag from a stranger", support.Message{From: eve, Subject: "RE: [Case #7] más datos"}, nil, 0, NewCase, false},
		{"subject tag of a missing case", support.Message{From: ana, Subject: "[Case #8]"}, nil, 0, NewCase, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Assign(newFake(), &tt.msg, tt.rcpts, opt)
			if err != nil {
				t.Fatal(err)
			}
			if d.Case != tt.want || d.Reason != tt.reason || d.TokenSenderMatch != tt.tokenMatch {
				t.Errorf("got %+v, want case %d by %s (sender match %v)", d, tt.want, tt.reason, tt.tokenMatch)
			}
		})
	}
}

func TestSubjectTag(t *testing.T) {
	for s, want := range map[string]uint64{
		"[Case #12] hi": 12, "Re: RE: [case #3]": 3, "[ Case # 4 ]": 4, "Case #5": 0, "[Case #]": 0,
		"[Case #99999999999999999999]": 0, "": 0,
	} {
		if got := SubjectTag(s); got != want {
			t.Errorf("SubjectTag(%q) = %d, want %d", s, got, want)
		}
	}
}

// FuzzAssign checks that no subject, references or recipient makes Assign
// fail or place a message in a case without evidence.
func FuzzAssign(f *testing.F) {
	f.Add("[Case #7] x", "root@cliente.es", "support+abc@example.com", "eve@x")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, subject, ref, rcpt, from string) {
		m := &support.Message{From: support.Address{Address: from}, Subject: subject, References: []string{ref}}
		d, err := Assign(newFake(), m, []string{rcpt}, Options{Key: key, Addresses: []string{"support@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		switch d.Reason {
		case NewCase:
			if d.Case != 0 {
				t.Fatalf("new case with number %d", d.Case)
			}
		case BySubjectTag:
			if support.NormalizeAddress(from) != "ana@cliente.es" {
				t.Fatalf("stranger %q joined by subject tag", from)
			}
		case ByReferences:
			if ref != "root@cliente.es" && ref != "ours-1@example.com" {
				t.Fatalf("joined by unknown reference %q", ref)
			}
		}
	})
}
