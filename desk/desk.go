// Package desk runs the support process the contract promises on top of
// mail: who may act on a case and how (agents authenticated by a reply
// token issued to them and by SPF/DKIM aligned with their domain, never by
// a From header alone), what agents' commands do, who is told about what,
// the mutual resolution of a case, and the SLA clocks in business hours.
//
// It acts inside the transaction that files each message (Filed, called by
// ingest) and, as time passes, from one timer goroutine (Run) that wakes at
// the next SLA or resolution moment of any case.
package desk

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/notify"
	"github.com/casemail/casemail/sla"
	"github.com/casemail/casemail/support"
)

// Options configure a Desk.
type Options struct {
	Outbox   *notify.Outbox
	Clock    clock.Clock
	Schedule func() *bizhours.Schedule
	// Team is who works the cases and the promises made to customers; a
	// reload replaces it (SetTeam) without a restart.
	Team Team
	// Authenticated reports whether a message's sender authentication is
	// aligned with domain (see mailauth.Aligned).
	Authenticated func(r *support.AuthResults, domain string) bool
	// DMARCFailed reports a failed DMARC check (see mailauth.DMARCFailed).
	DMARCFailed func(r *support.AuthResults) bool
	// AgentLanguage is the language of what the desk tells agents (en or
	// es; anything else is en).
	AgentLanguage string
	Logger        *slog.Logger
}

// Team is the part of the desk's configuration an operator changes while it
// runs: agents come and go, accounts are signed, SLAs renegotiated.
type Team struct {
	Agents   []support.Address
	Accounts support.Accounts
	// TeamAddress hears of new unassigned cases (else every agent does).
	TeamAddress string
	// EscalationAddress hears of SLA breaches on accounts without a TAM
	// (else TeamAddress, else every agent).
	EscalationAddress string
	// HoldDMARCFailures holds, rather than only marks, customer replies
	// that fail DMARC.
	HoldDMARCFailures bool
	// SLA per tier ("standard", "premium").
	SLA map[string]sla.Policy
	// CloseAfterDays and RemindAfterDays (0: none) are business days after a
	// proposed resolution.
	CloseAfterDays, RemindAfterDays int
}

// Desk is the support process.
type Desk struct {
	opt  Options
	team atomic.Pointer[Team]
	// recheck asks the timer loop to look at every open case's clocks
	// again: the team (its SLAs, its resolution timers) changed.
	recheck atomic.Bool
	log     *slog.Logger
	kick    chan struct{}
}

// SetTeam replaces the team (on reload). Cases already open keep their
// account, tier and TAM; the SLA policies and the resolution timers of
// every case follow the new team from their next check.
func (d *Desk) SetTeam(t Team) {
	d.team.Store(&t)
	d.recheck.Store(true)
	d.Kick()
}

// tm is the current team.
func (d *Desk) tm() *Team { return d.team.Load() }

// New returns a Desk.
func New(opt Options) *Desk {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	d := &Desk{opt: opt, log: opt.Logger.With("component", "desk"), kick: make(chan struct{}, 1)}
	d.SetTeam(opt.Team)
	return d
}

// agent returns the agent (or the case's TAM, who may answer like any
// agent) whose address is addr.
func (d *Desk) agent(c *support.Case, addr string) *support.Address {
	addr = support.NormalizeAddress(addr)
	t := d.tm() // one team throughout, even if a reload swaps it meanwhile
	for i := range t.Agents {
		if t.Agents[i].Address == addr {
			return &t.Agents[i]
		}
	}
	// A TAM of the current accounts; one removed on a reload acts no more,
	// even on the cases opened while they were TAM.
	for _, acc := range t.Accounts {
		if acc.TAM != nil && acc.TAM.Address == addr {
			return acc.TAM // with the name, for "Name via Support"
		}
	}
	return nil
}

// IsAgent reports whether addr belongs to an agent or a TAM; ingest asks
// it to know whose mail to authenticate.
func (d *Desk) IsAgent(addr string) bool { return d.agent(nil, addr) != nil }

func (d *Desk) now() time.Time { return d.opt.Clock.Now() }

// policy is the SLA policy of c's tier.
func (d *Desk) policy(c *support.Case) sla.Policy {
	t := d.tm()
	if p, ok := t.SLA[c.Tier]; ok {
		return p
	}
	return t.SLA[support.TierStandard]
}

// Dues returns the SLA due times of c now, for display.
func (d *Desk) Dues(c *support.Case) []sla.Due {
	s := d.opt.Schedule()
	if s == nil || c.Status == support.StatusResolved {
		return nil
	}
	return sla.Dues(d.policy(c), s, timeline(c), d.now())
}

func timeline(c *support.Case) sla.Timeline {
	tl := sla.Timeline{Created: c.Created, FirstResponse: c.FirstResponseAt, LastAgentUpdate: c.LastAgentUpdate, Resolved: c.ResolvedAt}
	if c.Status != support.StatusResolved {
		tl.Resolved = time.Time{}
	}
	for _, w := range c.Waiting {
		tl.Waiting = append(tl.Waiting, sla.Interval{Start: w.Start, End: w.End})
	}
	return tl
}

func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
