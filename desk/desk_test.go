package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/agentcmd"
	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/support"
	"github.com/casemail/casemail/threading"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func madrid(t *testing.T) *bizhours.Schedule {
	t.Helper()
	s, err := bizhours.New(bizhours.Config{Timezone: "Europe/Madrid", Holidays: []string{"2026-12-08"}, Weekly: map[string][]string{
		"monday": {"09:00-18:00"}, "tuesday": {"09:00-18:00"}, "wednesday": {"09:00-18:00"},
		"thursday": {"09:00-18:00"}, "friday": {"09:00-18:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddBusinessDays(t *testing.T) {
	s := madrid(t)
	loc := s.Location()
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{time.Date(2026, 11, 30, 10, 0, 0, 0, loc), 5, time.Date(2026, 12, 7, 9, 0, 0, 0, loc)}, // Monday + 5 → next Monday
		{time.Date(2026, 12, 4, 17, 0, 0, 0, loc), 1, time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},  // Friday + 1 → Monday
		{time.Date(2026, 12, 7, 10, 0, 0, 0, loc), 1, time.Date(2026, 12, 9, 9, 0, 0, 0, loc)},  // the 8th is a holiday
		{time.Date(2026, 12, 5, 12, 0, 0, 0, loc), 3, time.Date(2026, 12, 10, 9, 0, 0, 0, loc)}, // from a Saturday
		{time.Date(2026, 11, 30, 10, 0, 0, 0, loc), 0, time.Time{}},
	}
	for _, tt := range tests {
		if got := addBusinessDays(s, tt.from, tt.n); !got.Equal(tt.want) {
			t.Errorf("addBusinessDays(%v, %d) = %v, want %v", tt.from, tt.n, got, tt.want)
		}
	}
}

// TestAgentDoubt is the agent authentication rule as a table: only a token
// issued to this agent for this case AND aligned sender authentication let
// an agent's mail act.
func TestAgentDoubt(t *testing.T) {
	luis := support.Address{Name: "Luis", Address: "luis@example.com"}
	d := New(Options{Team: Team{Agents: []support.Address{luis}}, Authenticated: func(r *support.AuthResults, domain string) bool {
		return r != nil && r.DKIM == "pass" && len(r.DKIMDomains) > 0 && r.DKIMDomains[0] == domain
	}})
	c := &support.Case{Number: 7}
	tokLuis, _ := replytoken.Parse(key, replytoken.Mint(key, 7, "luis@example.com"))
	tokAna, _ := replytoken.Parse(key, replytoken.Mint(key, 7, "ana@cliente.es"))
	pass := &support.AuthResults{DKIM: "pass", DKIMDomains: []string{"example.com"}}
	fail := &support.AuthResults{DKIM: "fail"}
	tests := []struct {
		name  string
		from  string
		dec   threading.Decision
		auth  *support.AuthResults
		trust bool
	}{
		{"token issued to him and DKIM aligned", "luis@example.com", threading.Decision{Reason: threading.ByToken, Token: &tokLuis, TokenSenderMatch: true}, pass, true},
		{"From header only", "luis@example.com", threading.Decision{Reason: threading.ByReferences}, pass, false},
		{"token but no authentication", "luis@example.com", threading.Decision{Reason: threading.ByToken, Token: &tokLuis, TokenSenderMatch: true}, fail, false},
		{"token of the customer", "luis@example.com", threading.Decision{Reason: threading.ByToken, Token: &tokAna, TokenSenderMatch: false}, pass, false},
		{"his token from another sender", "eve@evil.example", threading.Decision{Reason: threading.ByToken, Token: &tokLuis, TokenSenderMatch: false}, pass, false},
	}
	for _, tt := range tests {
		m := &support.Message{From: support.Address{Address: tt.from}, Auth: tt.auth}
		why := d.agentDoubt(c, m, tt.dec, d.agent(c, tt.from))
		if (why == "") != tt.trust {
			t.Errorf("%s: doubt %q, want trusted=%v", tt.name, why, tt.trust)
		}
	}
}

// TestStatusCommandsFollowTheProcess: an agent's status commands may only
// move a case the way the process allows, in the order they are written.
func TestStatusCommandsFollowTheProcess(t *testing.T) {
	d := New(Options{Team: Team{Agents: []support.Address{{Address: "luis@example.com"}}}})
	tests := []struct {
		from support.Status
		text string
		ok   bool
	}{
		{support.StatusNew, "#status waiting", true},
		{support.StatusOpen, "#resolve", true},
		{support.StatusOpen, "#status open", true},
		{support.StatusResolutionProposed, "#status waiting", false},
		{support.StatusResolutionProposed, "#status open", true},
		{support.StatusResolved, "#status waiting", false},
		{support.StatusResolved, "#resolve", false},
		{support.StatusResolved, "#status open\n#resolve", true},
		{support.StatusResolved, "#status open\n#status waiting", true},
	}
	for _, tt := range tests {
		c := &support.Case{Number: 3, Status: tt.from}
		problem := d.checkCommands(c, agentcmd.Parse(tt.text+"\nText."))
		if (problem == "") != tt.ok {
			t.Errorf("%s + %q: problem %q, want allowed=%v", tt.from, tt.text, problem, tt.ok)
		}
		if !tt.ok && !strings.Contains(problem, "allowed next") {
			t.Errorf("%s + %q: the refusal %q does not say what is allowed", tt.from, tt.text, problem)
		}
	}
}
