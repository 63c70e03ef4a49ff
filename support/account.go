package support

import "strings"

// Tiers of support accounts. Premium accounts have a Technical Account
// Manager, the escalation point during business hours.
const (
	TierStandard = "standard"
	TierPremium  = "premium"
)

// Account is a customer organisation, recognised by its mail domains.
type Account struct {
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	Tier    string   `json:"tier"`
	TAM     *Address `json:"tam,omitempty"`
}

// Accounts finds the account of a customer address.
type Accounts []Account

// For returns the account whose domain (or a parent domain) matches
// addr's domain, or nil.
func (as Accounts) For(addr string) *Account {
	addr = NormalizeAddress(addr)
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	for i := range as {
		for _, d := range as[i].Domains {
			d = strings.ToLower(d)
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return &as[i]
			}
		}
	}
	return nil
}

// Visibility says who may see a message of a case.
type Visibility string

const (
	VisPublic   Visibility = "public"   // part of the conversation with the customer
	VisInternal Visibility = "internal" // for the support team only (notes, notices)
	VisHeld     Visibility = "held"     // held for review: it failed authentication or policy
)
