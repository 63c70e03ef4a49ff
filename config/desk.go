package config

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/casemail/casemail/support"
)

// Agents are the people who answer cases from their own mail clients.
type Agents struct {
	// List holds one "Name <address>" per agent.
	List []string `mapstructure:"list"`
	// EscalationAddress is told of SLA breaches of accounts without a TAM;
	// "" means support.team_address.
	EscalationAddress string `mapstructure:"escalation_address"`
	// TrustedAuthServIDs are the authserv-ids (RFC 8601) of the MTA in
	// front of casemail whose Authentication-Results header is trusted
	// instead of checking SPF/DKIM/DMARC again (LMTP mode).
	TrustedAuthServIDs []string `mapstructure:"trusted_authserv_ids"`
	// CustomerDMARC is what happens to a customer reply that fails DMARC:
	// "mark" records it with a note, "hold" holds it for review.
	CustomerDMARC string `mapstructure:"customer_dmarc"`
}

// Accounts map customer domains to accounts and tiers.
type Accounts struct {
	// List holds "domain[,domain...] tier [TAM address]" lines, e.g.
	// "acme.com,acme.es premium ana.tam@example.com".
	List []string `mapstructure:"list"`
}

// SLA holds the business-time targets per tier.
type SLA struct {
	StandardFirstResponse time.Duration `mapstructure:"standard_first_response"`
	StandardUpdateEvery   time.Duration `mapstructure:"standard_update_every"`
	StandardResolution    time.Duration `mapstructure:"standard_resolution"`
	PremiumFirstResponse  time.Duration `mapstructure:"premium_first_response"`
	PremiumUpdateEvery    time.Duration `mapstructure:"premium_update_every"`
	PremiumResolution     time.Duration `mapstructure:"premium_resolution"`
	RemindBefore          time.Duration `mapstructure:"remind_before"`
}

// Resolution configures the mutual agreement that closes a case.
type Resolution struct {
	// CloseAfterDays closes a case whose proposed resolution got no answer
	// after this many business days.
	CloseAfterDays int `mapstructure:"close_after_days"`
	// RemindAfterDays reminds the customer once after this many business
	// days (0: no reminder); must be below CloseAfterDays.
	RemindAfterDays int `mapstructure:"remind_after_days"`
	// ReopenWindow: a reply to a case resolved longer ago opens a new case
	// linked to it instead of reopening it.
	ReopenWindow time.Duration `mapstructure:"reopen_window"`
}

// ParseAgents returns the agents of the list.
func (a Agents) ParseAgents() ([]support.Address, error) {
	var out []support.Address
	for i, s := range a.List {
		addr, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("agents.list[%d] %q: %w", i, s, err)
		}
		out = append(out, support.Address{Name: addr.Name, Address: support.NormalizeAddress(addr.Address)})
	}
	return out, nil
}

// ParseAccounts returns the accounts of the list.
func (a Accounts) ParseAccounts() (support.Accounts, error) {
	var out support.Accounts
	for i, line := range a.List {
		f := strings.Fields(line)
		if len(f) > 3 {
			// The TAM with a display name: "Teresa Ruiz <tam@…>".
			rest := strings.TrimSpace(line)
			for _, field := range f[:2] {
				rest = strings.TrimSpace(strings.TrimPrefix(rest, field))
			}
			f = append(f[:2], rest)
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("accounts.list[%d] %q: want \"domain[,domain] tier [TAM address]\"", i, line)
		}
		acc := support.Account{Name: strings.Split(f[0], ",")[0], Domains: strings.Split(strings.ToLower(f[0]), ","), Tier: strings.ToLower(f[1])}
		if acc.Tier != support.TierStandard && acc.Tier != support.TierPremium {
			return nil, fmt.Errorf("accounts.list[%d] %q: tier %q is not standard or premium", i, line, f[1])
		}
		if len(f) == 3 {
			tam, err := mail.ParseAddress(f[2])
			if err != nil {
				return nil, fmt.Errorf("accounts.list[%d] %q: TAM %q: %w", i, line, f[2], err)
			}
			acc.TAM = &support.Address{Name: tam.Name, Address: support.NormalizeAddress(tam.Address)}
		}
		if acc.Tier == support.TierPremium && acc.TAM == nil {
			return nil, fmt.Errorf("accounts.list[%d] %q: a premium account names its TAM", i, line)
		}
		out = append(out, acc)
	}
	return out, nil
}

func (c *Config) validateDesk(ps *problems) {
	if _, err := c.Agents.ParseAgents(); err != nil {
		ps.add("agents.list", err.Error(), `write "Name <address>" per agent, e.g. "Luis Pérez <luis@example.com>"`)
	}
	if a := c.Agents.EscalationAddress; a != "" {
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a {
			ps.add("agents.escalation_address", fmt.Sprintf("%q is not a bare address", a), "write only the address, e.g. escalations@example.com")
		}
	}
	if m := c.Agents.CustomerDMARC; m != "mark" && m != "hold" {
		ps.add("agents.customer_dmarc", fmt.Sprintf("%q is not a policy", m), "write mark or hold")
	}
	if _, err := c.Accounts.ParseAccounts(); err != nil {
		ps.add("accounts.list", err.Error(), `write "acme.com,acme.es premium tam@example.com" or "beta.es standard"`)
	}
	for key, d := range map[string]time.Duration{
		"sla.standard_first_response": c.SLA.StandardFirstResponse, "sla.standard_update_every": c.SLA.StandardUpdateEvery,
		"sla.standard_resolution": c.SLA.StandardResolution, "sla.premium_first_response": c.SLA.PremiumFirstResponse,
		"sla.premium_update_every": c.SLA.PremiumUpdateEvery, "sla.premium_resolution": c.SLA.PremiumResolution,
		"sla.remind_before": c.SLA.RemindBefore,
	} {
		if d < 0 {
			ps.add(key, "is negative", "write a business-time duration such as 8h, or 0 for no target")
		}
	}
	if c.Resolution.CloseAfterDays < 1 {
		ps.add("resolution.close_after_days", "is below 1", "write the business days to wait for the customer's answer, e.g. 5")
	}
	if r := c.Resolution.RemindAfterDays; r < 0 || (r > 0 && r >= c.Resolution.CloseAfterDays) {
		ps.add("resolution.remind_after_days", "is not between 0 and close_after_days-1", "write 0 for no reminder, or fewer days than close_after_days")
	}
	duration(ps, "resolution.reopen_window", c.Resolution.ReopenWindow, "336h")
}
