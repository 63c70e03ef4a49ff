package desk

import (
	"fmt"
	"strings"

	"github.com/casemail/casemail/agentcmd"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
	"github.com/casemail/casemail/threading"
)

// Filed applies the process to message m just stored in case c (ingest
// calls it inside the same transaction).
func (d *Desk) Filed(tx *store.Tx, c *support.Case, m *support.Message, dec threading.Decision, isNew bool) error {
	var err error
	switch {
	case isNew:
		err = d.opened(tx, c, m)
	case d.agent(c, m.From.Address) != nil || d.tokenOfAgent(dec) != nil:
		err = d.fromAgent(tx, c, m, dec)
	default:
		err = d.fromCustomer(tx, c, m)
	}
	if err != nil {
		return err
	}
	if err := tx.PutMessage(m); err != nil {
		return err
	}
	// Look at the clocks now, in this transaction: the next reminder or
	// closing moment is scheduled without a second write.
	if c.CheckedAt.IsZero() {
		c.CheckedAt = c.Created
	}
	return d.check(tx, c)
}

// opened handles the first message of a case: the account, the
// acknowledgement, and the team's notification.
func (d *Desk) opened(tx *store.Tx, c *support.Case, m *support.Message) error {
	m.Author, m.Visibility = "customer", support.VisPublic
	c.Tier = support.TierStandard
	if acc := d.tm().Accounts.For(c.Customer.Address); acc != nil {
		c.Account, c.Tier = acc.Name, acc.Tier
		if acc.TAM != nil {
			c.TAM = acc.TAM.Address
		}
	}
	if !m.AuthPending {
		// Checked before filing (it claimed a case, then opened one).
		d.markDMARC(m)
	}
	if why := forged(m); why != "" {
		m.Notes = append(m.Notes, "no acknowledgement: "+why)
	} else if err := d.opt.Outbox.Acknowledge(tx, c, m); err != nil {
		return err
	}
	to := d.assigneeOrTeam(c)
	if len(to) == 0 {
		return nil // a desk with no agents yet: nobody to tell
	}
	return d.tell(tx, c, to, d.summary(c)+"\n\n"+d.say(atFrom, d.say(atNewCase), m.From.String())+"\n\n"+m.NewText+d.help())
}

// tokenOfAgent returns the agent a valid reply token was issued to, when
// the message came in through one.
func (d *Desk) tokenOfAgent(dec threading.Decision) *support.Address {
	if dec.Token == nil {
		return nil
	}
	t := d.tm()
	for i := range t.Agents {
		if dec.Token.IssuedTo(t.Agents[i].Address) {
			return &t.Agents[i]
		}
	}
	for _, acc := range t.Accounts {
		if acc.TAM != nil && dec.Token.IssuedTo(acc.TAM.Address) {
			return acc.TAM
		}
	}
	return nil
}

// fromAgent handles mail that claims to come from an agent, or that came
// through a token issued to one. It acts only when both hold: the token in
// the address it was sent to was issued to this sender for this case, and
// the sender's domain authenticated it (SPF or DKIM aligned, DMARC). Any
// doubt holds it for review and tells the real agent.
func (d *Desk) fromAgent(tx *store.Tx, c *support.Case, m *support.Message, dec threading.Decision) error {
	m.Author = "agent"
	claimed := d.agent(c, m.From.Address)
	if why := d.agentDoubt(c, m, dec, claimed); why != "" {
		m.Visibility = support.VisHeld
		m.Notes = append(m.Notes, "held for review: "+why)
		real := claimed
		if real == nil {
			real = d.tokenOfAgent(dec)
		}
		d.log.Warn("agent mail held for review", "case", c.Number, "from", m.From.Address, "why", why)
		// A forger can send any number of these: the real agent hears of
		// the first few each hour, the rest are only recorded.
		key := fmt.Sprintf("held/%s/%s", real.Address, d.now().UTC().Format("2006010215"))
		if ok, err := tx.Take(key, heldNoticesPerHour); err != nil || !ok {
			return err
		}
		return d.tell(tx, c, []support.Address{*real}, d.say(atAgentHeld, c.Number, m.From.String(), why))
	}
	p := agentcmd.Parse(m.NewText)
	if problem := d.checkCommands(c, p); problem != "" || len(p.Errors) > 0 {
		m.Visibility = support.VisInternal
		m.Notes = append(m.Notes, "commands refused; nothing changed")
		return d.tell(tx, c, []support.Address{*claimed}, d.commandErrors(c, p, problem))
	}
	return d.apply(tx, c, m, *claimed, p)
}

// heldNoticesPerHour bounds the "held for review" notices one agent gets.
const heldNoticesPerHour = 5

// agentDoubt returns why mail from (or through a token of) an agent may not
// act, or "".
func (d *Desk) agentDoubt(c *support.Case, m *support.Message, dec threading.Decision, claimed *support.Address) string {
	switch {
	case claimed == nil:
		return fmt.Sprintf("a reply address issued to an agent was used by %s", m.From.Address)
	case dec.Reason != threading.ByToken || dec.Token == nil:
		return "not sent to a reply address casemail issued for this case (a From header alone proves nothing)"
	case !dec.TokenSenderMatch || !dec.Token.IssuedTo(claimed.Address):
		return "the reply address was issued to someone else"
	case m.Auth == nil || d.opt.Authenticated == nil || !d.opt.Authenticated(m.Auth, domainOf(claimed.Address)):
		return "sender authentication (SPF/DKIM aligned with " + domainOf(claimed.Address) + ", DMARC) failed: " + authSummary(m.Auth)
	}
	return ""
}

func authSummary(a *support.AuthResults) string {
	if a == nil {
		return "not checked"
	}
	return fmt.Sprintf("spf=%s (%s) dkim=%s %v dmarc=%s", a.SPF, a.SPFDomain, a.DKIM, a.DKIMDomains, a.DMARC)
}

// checkCommands finds what Parse cannot know: an #assign to someone who is
// not an agent.
func (d *Desk) checkCommands(c *support.Case, p agentcmd.Parsed) string {
	// Status changes are followed in order, so "#status open" then
	// "#resolve" on a resolved case is allowed and "#status waiting" alone
	// is not.
	status := c.Status
	for _, cmd := range p.Commands {
		var to support.Status
		switch cmd.Op {
		case agentcmd.OpAssign:
			if d.agent(nil, cmd.Arg) == nil {
				return fmt.Sprintf("#assign %s: not an agent of this desk", cmd.Arg)
			}
			continue
		case agentcmd.OpStatus:
			to = statusArg[cmd.Arg]
		case agentcmd.OpResolve:
			to = support.StatusResolutionProposed
		default:
			continue
		}
		if to != status && !status.CanTransition(to) {
			return fmt.Sprintf("#%s %s: case #%d is %s and cannot become %s (allowed next: %s)",
				cmd.Op, cmd.Arg, c.Number, status, to, status.Next())
		}
		status = to
	}
	return ""
}

// statusArg maps the arguments of #status to statuses.
var statusArg = map[string]support.Status{"open": support.StatusOpen, "waiting": support.StatusWaiting}

// commandErrors is the one short mail an agent gets for refused commands
// (the parser's own explanations are in English).
func (d *Desk) commandErrors(c *support.Case, p agentcmd.Parsed, problem string) string {
	var b strings.Builder
	b.WriteString(d.say(atCommandsRefused, c.Number) + "\n\n")
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "- line %d %q: %s. %s\n", e.Line, e.Input, e.Problem, e.Fix)
	}
	if problem != "" {
		fmt.Fprintf(&b, "- %s\n", problem)
	}
	b.WriteString("\n" + d.say(atCorrectThem) + d.help())
	return b.String()
}
