package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// The loop governor: the one place that decides whether automatic mail may
// go out. Every acknowledgement and every automatic notice to someone
// outside the support team passes through govern before it is queued.
// Mail loops between help desks and auto-responders are the oldest failure
// of support systems; the rules are RFC 3834's plus the limits mature desks
// settled on.

// Limits bound automatic mail.
type Limits struct {
	// PerRecipientPerDay: Znuny's default allows 40 auto-replies per
	// address per day.
	PerRecipientPerDay int
	// PerCasePer10Min: Zammad's per-ticket ladder starts at 10 per 10
	// minutes.
	PerCasePer10Min int
	// SameBodyPerHour stops two auto-responders answering each other: the
	// same body from the same sender more often than this in an hour is a
	// machine talking to us.
	SameBodyPerHour int
}

// DefaultLimits are the anchors above.
func DefaultLimits() Limits {
	return Limits{PerRecipientPerDay: 40, PerCasePer10Min: 10, SameBodyPerHour: 3}
}

// govern returns why automatic mail about case c to addr, caused by
// trigger (the message that prompted it, or nil for a timer), must not be
// sent, or "". It counts the mail against the limits when it allows it.
func (o *Outbox) govern(tx *store.Tx, c *support.Case, addr string, trigger *support.Message) (string, error) {
	if why := machineAddress(addr, o.opt.SupportAddress); why != "" {
		return why, nil
	}
	now := o.opt.Clock.Now().UTC()
	lim := o.opt.Limits
	if trigger != nil {
		if why := automaticTrigger(trigger); why != "" {
			return why, nil
		}
		if trigger.BodyHash != "" && lim.SameBodyPerHour > 0 {
			key := fmt.Sprintf("body/%s/%s/%s", support.NormalizeAddress(trigger.From.Address), trigger.BodyHash, now.Format("2006010215"))
			if ok, err := tx.Take(key, lim.SameBodyPerHour); err != nil || !ok {
				return "the same message came from this sender again and again: an auto-responder answering us", err
			}
		}
	}
	if lim.PerRecipientPerDay > 0 {
		key := fmt.Sprintf("rcpt/%s/%s", support.NormalizeAddress(addr), now.Format("20060102"))
		if ok, err := tx.Take(key, lim.PerRecipientPerDay); err != nil || !ok {
			return fmt.Sprintf("more than %d automatic messages to %s today", lim.PerRecipientPerDay, addr), err
		}
	}
	if lim.PerCasePer10Min > 0 {
		key := fmt.Sprintf("case/%d/%d", c.Number, now.Unix()/600)
		if ok, err := tx.Take(key, lim.PerCasePer10Min); err != nil || !ok {
			return fmt.Sprintf("more than %d automatic messages on case #%d in ten minutes", lim.PerCasePer10Min, c.Number), err
		}
	}
	return "", nil
}

// machineAddress says why addr must never get automatic mail.
func machineAddress(addr, self string) string {
	a := support.NormalizeAddress(addr)
	local := a
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		local = a[:i]
	}
	base, _, _ := support.SplitPlus(a)
	switch {
	case a == "":
		return "no address (the null sender)"
	case base == support.NormalizeAddress(self):
		return "the address is ourselves"
	case local == "mailer-daemon" || local == "postmaster" || local == "abuse" ||
		strings.HasPrefix(local, "no-reply") || strings.HasPrefix(local, "noreply") ||
		strings.HasPrefix(local, "do-not-reply") || strings.HasPrefix(local, "donotreply") ||
		strings.HasPrefix(local, "bounce") || strings.HasPrefix(local, "owner-") || strings.HasSuffix(local, "-request"):
		return "a machine address (" + local + ")"
	}
	return ""
}

// automaticTrigger says why mail prompted by m must not be answered
// automatically (RFC 3834 sections 2 and 3.1; Microsoft's
// X-Auto-Response-Suppress; our own loop marker).
func automaticTrigger(m *support.Message) string {
	suppress := strings.ToLower(m.Auto.XAutoResponseSuppress)
	switch {
	case m.Auto.Loop != "":
		return "it carries our own loop marker: it is mail we wrote, come back"
	case m.Envelope.MailFrom == "" && m.Envelope.Remote != "":
		return "null envelope sender (a bounce or other automatic mail)"
	case m.Auto.IsAutomatic():
		return "marked automatic (Auto-Submitted, Precedence or List-Id)"
	case strings.Contains(suppress, "all"), strings.Contains(suppress, "autoreply"), strings.Contains(suppress, "oof"):
		return "X-Auto-Response-Suppress asks for no automatic reply"
	case machineAddress(m.From.Address, "") != "":
		return "the sender is " + machineAddress(m.From.Address, "")
	}
	return ""
}

// suppressed fails row at once when its recipient hard-bounced before.
func (o *Outbox) suppressed(tx *store.Tx, row *support.Outbound) (bool, error) {
	sp, err := tx.Suppressed(row.To.Address)
	if err != nil || sp == nil {
		return false, err
	}
	now := o.opt.Clock.Now()
	row.State, row.Done = support.OutFailed, now
	row.LastError = fmt.Sprintf("not sent: %s is suppressed since %s (%s); an agent can clear it with casemail suppressions clear",
		sp.Address, sp.Since.Format(time.DateOnly), sp.Reason)
	return true, nil
}

// staleWindow reports whether a governor counter's window ended more than
// two days before now: its key ends in the window (a day, an hour, or a
// ten-minute slot), as govern writes it.
func staleWindow(key string, now time.Time) bool {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return true
	}
	w := key[i+1:]
	var end time.Time
	switch {
	case strings.HasPrefix(key, "case/"):
		var slot int64
		if _, err := fmt.Sscan(w, &slot); err != nil {
			return true
		}
		end = time.Unix((slot+1)*600, 0)
	case len(w) == 8:
		t, err := time.Parse("20060102", w)
		if err != nil {
			return true
		}
		end = t.Add(24 * time.Hour)
	case len(w) == 10:
		t, err := time.Parse("2006010215", w)
		if err != nil {
			return true
		}
		end = t.Add(time.Hour)
	default:
		return true
	}
	return now.Sub(end) > 48*time.Hour
}
