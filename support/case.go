package support

import (
	"fmt"
	"strings"
	"time"
)

// Status is where a case stands in the process the support contract
// promises: an agent answers a new case, the customer and the agent trade
// messages, and it is resolved only when both agree.
type Status string

const (
	StatusNew                Status = "new"                 // opened, no agent answer yet
	StatusOpen               Status = "open"                // an agent is working on it
	StatusWaiting            Status = "waiting"             // waiting on the customer
	StatusResolutionProposed Status = "resolution_proposed" // the agent proposed a resolution
	StatusResolved           Status = "resolved"            // the customer confirmed (or did not object in time)
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusWaiting, StatusResolutionProposed, StatusResolved:
		return true
	}
	return false
}

// transitions lists, for each status, where it may go next.
var transitions = map[Status][]Status{
	StatusNew:                {StatusOpen, StatusWaiting, StatusResolutionProposed},
	StatusOpen:               {StatusWaiting, StatusResolutionProposed},
	StatusWaiting:            {StatusOpen, StatusResolutionProposed},
	StatusResolutionProposed: {StatusOpen, StatusResolved},
	StatusResolved:           {StatusOpen},
}

// CanTransition reports whether a case may move from s to to.
func (s Status) CanTransition(to Status) bool {
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// Next lists where s may go, for messages that refuse a change.
func (s Status) Next() string {
	var out []string
	for _, t := range transitions[s] {
		out = append(out, string(t))
	}
	return strings.Join(out, ", ")
}

// Case is a Support Case.
type Case struct {
	Number       uint64    `json:"number"`
	Subject      string    `json:"subject"`
	Customer     Address   `json:"customer"`
	Participants []Address `json:"participants"`
	Kind         Kind      `json:"kind"`
	Status       Status    `json:"status"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
	MessageCount int       `json:"message_count"`
	// Assignee is the agent who is the customer's primary contact: the
	// first agent who answered, or whom an agent #assign-ed.
	Assignee string `json:"assignee,omitempty"`
	// Account, Tier and TAM come from the customer's domain (config
	// accounts); TAM is the premium account's Technical Account Manager.
	Account string `json:"account,omitempty"`
	Tier    string `json:"tier,omitempty"`
	TAM     string `json:"tam,omitempty"`
	// SLA timeline: what the clocks in package sla are computed from.
	FirstResponseAt time.Time  `json:"first_response_at,omitempty"`
	LastAgentUpdate time.Time  `json:"last_agent_update,omitempty"`
	Waiting         []Interval `json:"waiting,omitempty"`
	ProposedAt      time.Time  `json:"proposed_at,omitempty"`
	ResolvedAt      time.Time  `json:"resolved_at,omitempty"`
	// CheckedAt is when the SLA clocks were last looked at; NextCheck when
	// they will be next (the store indexes it).
	CheckedAt time.Time `json:"checked_at,omitempty"`
	NextCheck time.Time `json:"next_check,omitempty"`
	// Fired lists the SLA and resolution events already acted on, so a
	// restart or a second look never repeats a reminder or escalation.
	Fired []string `json:"fired,omitempty"`
	// Language is the language we write to the customer in ("en", "es").
	Language string `json:"language,omitempty"`
	// Linked names earlier cases this one continues.
	Linked []uint64 `json:"linked,omitempty"`
}

// Interval is a span of time; End is zero while it lasts.
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitempty"`
}

// SetStatus moves the case to status s at t, keeping the waiting intervals
// the SLA clocks exclude (waiting on the customer and a proposed
// resolution both stop the clocks).
func (c *Case) SetStatus(s Status, t time.Time) {
	waiting := func(x Status) bool { return x == StatusWaiting || x == StatusResolutionProposed }
	if waiting(c.Status) && !waiting(s) && len(c.Waiting) > 0 && c.Waiting[len(c.Waiting)-1].End.IsZero() {
		c.Waiting[len(c.Waiting)-1].End = t
	}
	if !waiting(c.Status) && waiting(s) {
		c.Waiting = append(c.Waiting, Interval{Start: t})
	}
	switch s {
	case StatusResolutionProposed:
		c.ProposedAt = t
	case StatusResolved:
		c.ResolvedAt = t
	}
	c.Status = s
	c.Updated = t
}

// HasFired reports whether event key was already acted on.
func (c *Case) HasFired(key string) bool {
	for _, k := range c.Fired {
		if k == key {
			return true
		}
	}
	return false
}

// Tag is the subject tag casemail writes on its mail about the case.
func (c *Case) Tag() string { return fmt.Sprintf("[Case #%d]", c.Number) }

// IsParticipant reports whether addr took part in the case.
func (c *Case) IsParticipant(addr string) bool {
	addr = NormalizeAddress(addr)
	for _, p := range c.Participants {
		if NormalizeAddress(p.Address) == addr {
			return true
		}
	}
	return false
}

// AddParticipant records a as a participant unless it already is one. It
// reports whether it added it.
func (c *Case) AddParticipant(a Address) bool {
	if a.Address == "" || c.IsParticipant(a.Address) {
		return false
	}
	a.Address = NormalizeAddress(a.Address)
	c.Participants = append(c.Participants, a)
	return true
}

// Open makes a new case from its first message; number is given by the
// store, kind by Classify (called by the caller outside the write
// transaction, where CPU work does not hold up other writers). Only the sender becomes a participant: people in Cc join when they
// write themselves, so a stranger cannot add himself by Cc.
func Open(number uint64, m *Message, kind Kind, now time.Time) *Case {
	subj := strings.TrimSpace(m.Subject)
	if subj == "" {
		subj = "(no subject)"
	}
	c := &Case{
		Number:   number,
		Subject:  subj,
		Customer: Address{Name: m.From.Name, Address: NormalizeAddress(m.From.Address)},
		Kind:     kind,
		Language: m.Language,
		Status:   StatusNew,
		Created:  now,
		Updated:  now,
	}
	c.AddParticipant(m.From)
	return c
}
