package desk

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
)

// TestTeamSwapDuringUse: a reload that shortens the agent list while mail
// is being filed never makes the desk read past the list it started with.
func TestTeamSwapDuringUse(t *testing.T) {
	many := Team{Agents: []support.Address{{Address: "a@x"}, {Address: "b@x"}, {Address: "c@x"}, {Address: "d@x"}}}
	d := New(Options{Team: many})
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			d.SetTeam(Team{})
			d.SetTeam(many)
		}
	}()
	defer func() { stop.Store(true); <-done }()
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("IsAgent panicked during a reload: %v", p)
				}
			}()
			d.IsAgent("nobody@x")
			d.assigneeOrTeam(&support.Case{Assignee: "gone@x"})
		}()
	}
}

// TestAgentTextsFormatInBothLanguages: every text the desk tells agents
// exists in English and Spanish and formats with the arguments its callers
// pass, without %! garbage.
func TestAgentTextsFormatInBothLanguages(t *testing.T) {
	var n uint64 = 12
	args := map[agentText][]any{
		atCase:            {n, "Subject"},
		atKindStatus:      {support.Kind("problem"), support.Status("open"), "Ana <ana@x>"},
		atAccount:         {"acme", "premium"},
		atTAM:             {"tam@x"},
		atAssignee:        {"luis@x"},
		atDue:             {"first response", "Mon 2 Jan 15:04 CET"},
		atFrom:            {"New case", "Ana <ana@x>"},
		atDMARCHeld:       {"ana@x"},
		atAgentHeld:       {n, "Eve <eve@x>", "why"},
		atCommandsRefused: {n},
		atReminder:        {"first response", n, "Mon 2 Jan 15:04 CET"},
		atEscalation:      {"first response", n, "Mon 2 Jan 15:04 CET"},
		atClosed:          {5},
	}
	for lang, texts := range agentTexts {
		if len(texts) != int(atUnverified)+1 {
			t.Errorf("%s has %d texts, want %d", lang, len(texts), atUnverified+1)
		}
		d := New(Options{AgentLanguage: lang})
		for k := atCase; k <= atUnverified; k++ {
			if s := d.say(k, args[k]...); strings.Contains(s, "%!") || s == "" {
				t.Errorf("%s text %d: %q", lang, k, s)
			}
		}
	}
}
