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
	// Language is the language we write to the customer in ("en", "es").
	Language string `json:"language,omitempty"`
	// Linked names earlier cases this one continues.
	Linked []uint64 `json:"linked,omitempty"`
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
