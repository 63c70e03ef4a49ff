// Package admin is casemail's operator interface: a small read-only HTTP
// API served by the daemon, and the client the CLI uses to talk to it. The
// JSON it speaks is a contract with scripts outside the project (documented
// in the README): fields are only ever added, never renamed or removed.
package admin

import (
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// CaseSummary is one element of `cases list --json`.
type CaseSummary struct {
	Number       uint64    `json:"number"`
	Subject      string    `json:"subject"`
	Status       string    `json:"status"`
	Kind         string    `json:"kind"`
	Customer     string    `json:"customer"`
	CustomerName string    `json:"customer_name"`
	MessageCount int       `json:"message_count"`
	Participants []string  `json:"participants"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
	Assignee     string    `json:"assignee"`
	Account      string    `json:"account"`
	Tier         string    `json:"tier"`
	TAM          string    `json:"tam"`
	Linked       []uint64  `json:"linked"`
}

// Due is an SLA due time of a case: the clock (first_response, update,
// resolution) and when it falls due.
type Due struct {
	Clock string    `json:"clock"`
	At    time.Time `json:"at"`
}

// CaseDetail is the object of `cases show N --json`.
type CaseDetail struct {
	CaseSummary
	SLA      []Due         `json:"sla"`
	Messages []MessageView `json:"messages"`
}

// MessageView is one message of a case, in arrival order.
type MessageView struct {
	Seq         uint64    `json:"seq"`
	MessageID   string    `json:"message_id"`
	Direction   string    `json:"direction"`
	From        string    `json:"from"`
	FromName    string    `json:"from_name"`
	Date        time.Time `json:"date"`
	ReceivedAt  time.Time `json:"received_at"`
	Subject     string    `json:"subject"`
	Text        string    `json:"text"`
	Attachments []string  `json:"attachments"`
	Notes       []string  `json:"notes,omitempty"`
	// Author is customer, agent or system; Visibility public, internal
	// (notes, notices) or held (held for review, never sent).
	Author     string `json:"author"`
	Visibility string `json:"visibility"`
	// Auth is the sender authentication of an incoming message: absent
	// while the check (which follows the filing of a new case) is pending.
	Auth        *support.AuthResults `json:"auth,omitempty"`
	AuthPending bool                 `json:"auth_pending,omitempty"`
}

// QuarantineView is one element of `quarantine list --json`.
type QuarantineView struct {
	ID         uint64    `json:"id"`
	Reason     string    `json:"reason"`
	ReceivedAt time.Time `json:"received_at"`
	MailFrom   string    `json:"mail_from"`
	Rcpts      []string  `json:"rcpts"`
	From       string    `json:"from"`
	Subject    string    `json:"subject"`
	MessageID  string    `json:"message_id"`
	Size       int64     `json:"size"`
}

func summary(c *support.Case) CaseSummary {
	s := CaseSummary{
		Number: c.Number, Subject: c.Subject, Status: string(c.Status), Kind: string(c.Kind),
		Customer: c.Customer.Address, CustomerName: c.Customer.Name, MessageCount: c.MessageCount,
		Participants: []string{}, Created: c.Created, Updated: c.Updated,
		Assignee: c.Assignee, Account: c.Account, Tier: c.Tier, TAM: c.TAM, Linked: c.Linked,
	}
	if s.Linked == nil {
		s.Linked = []uint64{}
	}
	for _, p := range c.Participants {
		s.Participants = append(s.Participants, p.Address)
	}
	return s
}

func messageView(m *support.Message, fullText func(seq uint64) (string, error)) MessageView {
	v := MessageView{
		Seq: m.Seq, MessageID: m.MessageID, Direction: string(m.Direction), From: m.From.Address,
		FromName: m.From.Name, Date: m.Date, ReceivedAt: m.Envelope.ReceivedAt, Subject: m.Subject,
		Text: m.NewText, Attachments: []string{}, Notes: m.Notes, Author: m.Author, Visibility: string(m.Visibility),
		Auth: m.Auth, AuthPending: m.AuthPending,
	}
	if m.TextTruncated && fullText != nil {
		if t, err := fullText(m.Seq); err == nil {
			v.Text = t
		}
	}
	if v.Visibility == "" {
		v.Visibility = string(support.VisPublic)
	}
	if v.Author == "" {
		v.Author = map[support.Direction]string{support.Incoming: "customer", support.Outgoing: "system", support.Internal: "system"}[m.Direction]
	}
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, a.Filename)
	}
	return v
}

func quarantineView(q *store.Quarantined) QuarantineView {
	rcpts := q.Envelope.Rcpts
	if rcpts == nil {
		rcpts = []string{}
	}
	return QuarantineView{
		ID: q.Seq, Reason: q.Reason, ReceivedAt: q.ReceivedAt, MailFrom: q.Envelope.MailFrom,
		Rcpts: rcpts, From: q.From, Subject: q.Subject, MessageID: q.MessageID, Size: q.Size,
	}
}
