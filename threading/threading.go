// Package threading decides which Support Case a message belongs to. It is
// pure: it reads what it needs through the small Lookup interface and
// returns a Decision; the caller persists it in the same write transaction
// (see package ingest), so two replies racing in cannot open two cases.
//
// The order of evidence, strongest first:
//  1. a signed reply token in a recipient address (support+<token>@domain),
//     which casemail puts on its own outgoing mail;
//  2. In-Reply-To and References (RFC 5322 section 3.6.4) naming a Message-ID
//     already known to a case, including IDs our messages only referenced;
//  3. a subject tag "[Case #N]", but only when the sender already takes part
//     in case N: a case number is not a secret, so it grants nothing alone.
//
// Anything else opens a new case.
package threading

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/casemail/casemail/replytoken"
	"github.com/casemail/casemail/support"
)

// Lookup is what threading needs to know about existing cases.
type Lookup interface {
	// CaseForMessageID returns the case a Message-ID (without angle
	// brackets) is known to, or 0.
	CaseForMessageID(id string) (uint64, error)
	// Case returns case n, or an error wrapping support.ErrNotFound.
	Case(n uint64) (*support.Case, error)
}

// Options configure the decision.
type Options struct {
	// Key signs reply tokens (see package replytoken).
	Key []byte
	// Addresses are the support addresses; a token is looked for in the
	// plus part of a recipient that matches one of them.
	Addresses []string
}

// Reason says which evidence placed a message in its case.
type Reason string

const (
	ByToken      Reason = "token"
	ByReferences Reason = "references"
	BySubjectTag Reason = "subject-tag"
	NewCase      Reason = "new"
)

// Decision is the outcome of Assign. Case is 0 when a new case must be
// opened.
type Decision struct {
	Case   uint64
	Reason Reason
	// Token is set when the message came in through a valid reply token.
	Token *replytoken.Token
	// TokenSenderMatch reports whether the From address is the one the token
	// was issued to; a mismatch is a forwarded reply or a forgery, and the
	// caller decides what it may do.
	TokenSenderMatch bool
}

var tagRE = regexp.MustCompile(`(?i)\[\s*case\s*#\s*(\d{1,18})\s*\]`)

// Assign decides which case m belongs to. rcpts are the envelope recipients
// (or, for fetched mail, the addresses the message was delivered to).
func Assign(l Lookup, m *support.Message, rcpts []string, opt Options) (Decision, error) {
	if d, ok, err := byToken(l, m, rcpts, opt); err != nil || ok {
		return d, err
	}
	for _, id := range m.AllReferences() {
		n, err := l.CaseForMessageID(id)
		if err != nil {
			return Decision{}, fmt.Errorf("look up message-id %q: %w", id, err)
		}
		if n != 0 {
			return Decision{Case: n, Reason: ByReferences}, nil
		}
	}
	// A message that arrives after a reply to it: the reply made its ID
	// known to a case.
	if m.MessageID != "" {
		n, err := l.CaseForMessageID(m.MessageID)
		if err != nil {
			return Decision{}, fmt.Errorf("look up message-id %q: %w", m.MessageID, err)
		}
		if n != 0 {
			return Decision{Case: n, Reason: ByReferences}, nil
		}
	}
	if n := SubjectTag(m.Subject); n != 0 {
		c, err := l.Case(n)
		switch {
		case errors.Is(err, support.ErrNotFound):
		case err != nil:
			return Decision{}, fmt.Errorf("look up case %d: %w", n, err)
		case c.IsParticipant(m.From.Address):
			return Decision{Case: n, Reason: BySubjectTag}, nil
		}
	}
	return Decision{Reason: NewCase}, nil
}

func byToken(l Lookup, m *support.Message, rcpts []string, opt Options) (Decision, bool, error) {
	if len(opt.Key) == 0 {
		return Decision{}, false, nil
	}
	for _, r := range rcpts {
		tok, ok := TokenOf(r, opt.Addresses)
		if !ok {
			continue
		}
		t, err := replytoken.Parse(opt.Key, tok)
		if err != nil {
			continue
		}
		if _, err := l.Case(t.Case); errors.Is(err, support.ErrNotFound) {
			continue
		} else if err != nil {
			return Decision{}, false, fmt.Errorf("look up case %d: %w", t.Case, err)
		}
		return Decision{Case: t.Case, Reason: ByToken, Token: &t, TokenSenderMatch: t.IssuedTo(m.From.Address)}, true, nil
	}
	return Decision{}, false, nil
}

// SubjectTag returns the case number in a "[Case #N]" tag, or 0.
func SubjectTag(subject string) uint64 {
	sm := tagRE.FindStringSubmatch(subject)
	if sm == nil {
		return 0
	}
	n, err := strconv.ParseUint(sm[1], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// TokenOf returns the plus part of rcpt when rcpt is a plus-address of one
// of the support addresses (support+TOKEN@domain).
func TokenOf(rcpt string, addresses []string) (string, bool) {
	base, detail, ok := support.SplitPlus(rcpt)
	if !ok || detail == "" {
		return "", false
	}
	for _, a := range addresses {
		if support.NormalizeAddress(a) == base {
			return detail, true
		}
	}
	return "", false
}
