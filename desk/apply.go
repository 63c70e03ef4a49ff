package desk

import (
	"strings"
	"time"

	"github.com/casemail/casemail/agentcmd"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// apply carries out an authenticated agent's reply: its commands, then the
// relay of its text to the customer (unless it is a note). The first agent
// who answers becomes the assignee, the customer's primary contact.
func (d *Desk) apply(tx *store.Tx, c *support.Case, m *support.Message, agent support.Address, p agentcmd.Parsed) error {
	now := d.now()
	var note, resolve, update, sendNow bool
	var done []string
	for _, cmd := range p.Commands {
		done = append(done, "#"+string(cmd.Op)+" "+cmd.Arg)
		switch cmd.Op {
		case agentcmd.OpNote:
			note = true
		case agentcmd.OpResolve:
			resolve = true
		case agentcmd.OpUpdate:
			update = true
		case agentcmd.OpNow:
			sendNow = true
		case agentcmd.OpAssign:
			c.Assignee = cmd.Arg
		case agentcmd.OpKind:
			c.Kind = support.Kind(cmd.Arg)
		case agentcmd.OpStatus:
			c.SetStatus(statusArg[cmd.Arg], now)
		}
	}
	if len(done) > 0 {
		m.Notes = append(m.Notes, "commands: "+strings.TrimSpace(strings.Join(done, ", ")))
	}
	text := strings.TrimSpace(p.Text)
	m.NewText = text
	if note {
		m.Visibility = support.VisInternal
		return nil
	}
	m.Visibility = support.VisPublic
	if text == "" && !resolve {
		return nil // commands only
	}
	if c.Assignee == "" {
		c.Assignee = agent.Address
	}
	kind := support.OutResponse
	if update {
		kind = support.OutUpdate
	}
	if resolve {
		text = strings.TrimSpace(text + "\n\n" + phrase(c.Language, proposeText))
	}
	if _, err := d.opt.Outbox.RelayTx(tx, c, agent, text, kind, sendNow); err != nil {
		return err
	}
	if resolve {
		c.SetStatus(support.StatusResolutionProposed, now)
	}
	return nil
}

// markDMARC notes on m, and reports, a failed DMARC check: the sender
// may not be who the From header says.
func (d *Desk) markDMARC(m *support.Message) bool {
	if why := unchecked(m); why != "" {
		m.Notes = append(m.Notes, why)
		return true
	}
	if m.Auth == nil || d.opt.DMARCFailed == nil || !d.opt.DMARCFailed(m.Auth) {
		return false
	}
	m.Notes = append(m.Notes, "DMARC failed for "+m.Auth.FromDomain+": the sender may not be who the From header says")
	return true
}

// unchecked says why the address casemail takes as m's sender was not the
// one the sender check judged, or "": a message with no From header (the
// Sender, a Reply-To or the envelope stands in for it), or one whose header
// block the check read otherwise than the parser. Nothing vouches for that
// address, so it is treated like a DMARC failure.
func unchecked(m *support.Message) string {
	if m.Auth == nil || m.From.Address == "" {
		return ""
	}
	if checked := m.Auth.FromDomain; checked == "" || !strings.EqualFold(checked, domainOf(m.From.Address)) {
		return "the sender check did not judge " + m.From.Address + " (no usable From header): nothing vouches for it"
	}
	return ""
}

// Verified runs when the sender authentication of a message that opened a
// case is known, after it was filed (see ingest.Options.Auth): a failure
// is noted on the message for the agent who reads it, and the case's
// acknowledgement, held for the check, leaves — unless the From is forged
// by the domain's own account (DMARC fails under a quarantine or reject
// policy), when nobody is answered automatically.
func (d *Desk) Verified(tx *store.Tx, m *support.Message) error {
	d.markDMARC(m)
	return d.opt.Outbox.ReleaseAck(tx, m, forged(m))
}

// forged says why m's From is likely forged — DMARC fails under the
// domain's quarantine or reject policy — or "". Such mail gets no
// automatic reply: it would go to someone who never wrote.
func forged(m *support.Message) string {
	if why := unchecked(m); why != "" {
		return why + ", and an automatic reply would go to someone who may never have written"
	}
	a := m.Auth
	if a == nil || a.DMARC != "fail" || a.DMARCPolicy != "quarantine" && a.DMARCPolicy != "reject" {
		return ""
	}
	return "the sender failed DMARC under " + a.FromDomain + "'s " + a.DMARCPolicy + " policy: the From is likely forged, and an automatic reply would go to someone who never wrote"
}

// fromCustomer handles a customer's (or participant's) message on an
// existing case: DMARC policy, the answer to a proposed resolution, reopening,
// and the notification of the assignee.
func (d *Desk) fromCustomer(tx *store.Tx, c *support.Case, m *support.Message) error {
	m.Author, m.Visibility = "customer", support.VisPublic
	now := d.now()
	if d.markDMARC(m) {
		if d.tm().HoldDMARCFailures {
			m.Visibility = support.VisHeld
			return d.tell(tx, c, d.assigneeOrTeam(c), d.summary(c)+"\n\n"+d.say(atDMARCHeld, m.From.Address))
		}
		// Recorded, marked and shown to the assignee, but a sender nothing
		// vouches for cannot confirm a resolution or reopen the case: the
		// case number is no secret.
		m.Notes = append(m.Notes, "sender not verified: the case's status is unchanged")
		return d.tell(tx, c, d.assigneeOrTeam(c), d.summary(c)+"\n\n"+d.say(atFrom, d.say(atUnverified), m.From.String())+"\n\n"+m.NewText+d.help())
	}
	if m.Automatic == "auto-reply" || m.Auto.IsAutomatic() {
		// An out-of-office or other automatic answer is kept for the
		// record but is not the customer speaking: the status and the SLA
		// clocks stay as they are, and nobody is paged for it.
		m.Notes = append(m.Notes, "automatic reply: the case's status and clocks are unchanged")
		return nil
	}
	event := d.say(atNewMessage)
	switch c.Status {
	case support.StatusResolutionProposed:
		if agentcmd.IsConfirmation(m.NewText) {
			c.SetStatus(support.StatusResolved, now)
			return d.tell(tx, c, d.assigneeOrTeam(c), d.summary(c)+"\n\n"+d.say(atConfirmed)+"\n\n"+m.NewText)
		}
		c.SetStatus(support.StatusOpen, now)
		event = d.say(atNotConfirmed)
	case support.StatusResolved:
		c.SetStatus(support.StatusOpen, now)
		event = d.say(atWroteAgain)
	case support.StatusWaiting:
		c.SetStatus(support.StatusOpen, now)
	}
	return d.tell(tx, c, d.assigneeOrTeam(c), d.summary(c)+"\n\n"+d.say(atFrom, event, m.From.String())+"\n\n"+m.NewText+d.help())
}

// tell sends an automatic notice about c to each of to.
func (d *Desk) tell(tx *store.Tx, c *support.Case, to []support.Address, text string) error {
	for _, a := range to {
		if _, err := d.opt.Outbox.NoticeTx(tx, c, a, text, false); err != nil {
			return err
		}
	}
	return nil
}

// assigneeOrTeam is who hears about a case: its assignee, or for an
// unassigned case (or one whose assignee is no longer an agent: removed on
// a reload) the team address, or every agent.
func (d *Desk) assigneeOrTeam(c *support.Case) []support.Address {
	if c.Assignee != "" {
		if a := d.agent(c, c.Assignee); a != nil {
			return []support.Address{*a}
		}
	}
	t := d.tm()
	if t.TeamAddress != "" {
		return []support.Address{{Address: t.TeamAddress}}
	}
	return t.Agents
}

// summary is the case as an agent needs it at a glance.
func (d *Desk) summary(c *support.Case) string {
	var b strings.Builder
	b.WriteString(d.say(atCase, c.Number, c.Subject) + "\n")
	b.WriteString(d.say(atKindStatus, c.Kind, c.Status, c.Customer.String()) + "\n")
	if c.Account != "" {
		b.WriteString(d.say(atAccount, c.Account, c.Tier))
		if c.TAM != "" {
			b.WriteString(d.say(atTAM, c.TAM))
		}
		b.WriteString("\n")
	}
	assignee := c.Assignee
	if assignee == "" {
		assignee = d.say(atNobody)
	}
	b.WriteString(d.say(atAssignee, assignee) + "\n")
	loc := time.UTC
	if s := d.opt.Schedule(); s != nil {
		loc = s.Location()
	}
	for _, due := range d.Dues(c) {
		b.WriteString(d.say(atDue, d.clockName(due.Clock), d.when(due.At, loc)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
