// Package notify is casemail's outbound side: it composes acknowledgements,
// agent relays, progress updates and team notices (compose.go), keeps them
// in the durable outbox held to business hours, and delivers them through
// the smarthost with retries (RFC 5321 section 4.5.4.1: retry with backoff,
// give up after days, as Postfix does by default).
//
// One scheduler goroutine owns the queue: it sleeps on a timer set to the
// earliest due row or on a kick, claims due rows in one transaction
// (committing the attempt and its next retry time before any dialing), and
// hands them to a fixed pool of senders.
package notify

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// Sender delivers one message to one recipient.
type Sender interface {
	Send(ctx context.Context, from, rcpt string, raw []byte) error
}

// OutboxOptions configure an Outbox.
type OutboxOptions struct {
	Store    *store.Store
	Sender   Sender
	Composer *Composer
	Clock    clock.Clock
	// Schedule returns the business hours in force; it is read at every
	// decision so a reload takes effect at once.
	Schedule func() *bizhours.Schedule
	// TokenKey signs reply tokens and VERP return paths.
	TokenKey       []byte
	SupportAddress string
	Hostname       string // for Message-IDs
	// TeamAddress is told when a message to an unassigned case fails
	// permanently (the assignee is told on assigned ones).
	TeamAddress string
	// DefaultLanguage is used when a case's language has no templates.
	DefaultLanguage string
	// Limits bound automatic mail (see governor.go); zero values disable
	// a limit, New fills DefaultLimits when all are zero.
	Limits Limits
	// Policy says which kinds wait for business hours.
	Policy  Policy
	Workers int
	// RetryMin doubles after each temporary failure up to RetryMax; after
	// MaxAge the message fails for good.
	RetryMin, RetryMax, MaxAge time.Duration
	Logger                     *slog.Logger
}

// Policy says, per kind, whether a message waits for business hours.
type Policy struct {
	Ack, Response, Update, Notice bool
}

// Holds reports whether kind k waits for business hours.
func (p Policy) Holds(k support.OutKind) bool {
	switch k {
	case support.OutAck:
		return p.Ack
	case support.OutResponse:
		return p.Response
	case support.OutUpdate:
		return p.Update
	case support.OutNotice:
		return p.Notice
	}
	return false
}

// Outbox is the durable queue of outgoing mail and its scheduler.
type Outbox struct {
	opt     OutboxOptions
	log     *slog.Logger
	kick    chan struct{}
	policy  atomic.Pointer[Policy]
	team    atomic.Pointer[string]
	isAgent atomic.Pointer[func(addr string) bool]
	// suspended is when (unix ns) delivery may be tried again after the
	// smarthost could not be reached: like Postfix's dead destinations, a
	// down relay costs one connection attempt per interval, not one per
	// queued message.
	suspended atomic.Int64
}

// New returns an Outbox; Run starts its scheduler.
func New(opt OutboxOptions) *Outbox {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real{}
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = 5 * time.Minute
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = time.Hour
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 5 * 24 * time.Hour
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits()
	}
	o := &Outbox{opt: opt, log: opt.Logger.With("component", "outbox"), kick: make(chan struct{}, 1)}
	p := opt.Policy
	o.policy.Store(&p)
	o.SetTeamAddress(opt.TeamAddress)
	return o
}

// SetPolicy replaces the per-kind policy (on reload).
func (o *Outbox) SetPolicy(p Policy) { o.policy.Store(&p) }

// SetAgentCheck tells the outbox who is an agent now (the desk knows): a
// failure on a case whose assignee is no longer one is told to the team.
func (o *Outbox) SetAgentCheck(isAgent func(addr string) bool) { o.isAgent.Store(&isAgent) }

// SetTeamAddress replaces the address told of failed deliveries on
// unassigned cases (on reload).
func (o *Outbox) SetTeamAddress(a string) { o.team.Store(&a) }

// Kick wakes the scheduler: something was queued or changed.
func (o *Outbox) Kick() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// Run is the scheduler. It returns when ctx is done and the messages in
// flight have been handed back or finished.
func (o *Outbox) Run(ctx context.Context) error {
	o.pruneRates()
	prune, stopPrune := o.opt.Clock.After(pruneEvery)
	defer func() { stopPrune() }()
	if n, err := o.opt.Store.RecoverSending(o.recover); err != nil {
		return fmt.Errorf("recover outbox: %w", err)
	} else if n > 0 {
		o.log.Warn("attempts interrupted by a stop or crash put back in the queue", "count", n)
	}
	capacity := o.opt.Workers * 4
	jobs := make(chan *support.Outbound, capacity)
	done := make(chan struct{}, capacity)
	var wg sync.WaitGroup
	for i := 0; i < o.opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range jobs {
				if ctx.Err() != nil {
					o.handBack(row)
				} else {
					o.deliver(row)
				}
				done <- struct{}{}
			}
		}()
	}
	defer wg.Wait()
	defer close(jobs)
	inflight := 0
	for {
		var wake <-chan time.Time
		stop := func() {}
		// Claim in bulk, when half the pipeline is free: one transaction
		// (one fsync) per claimed message would cap the release of a
		// morning's held mail at the disk's fsync rate.
		if inflight <= capacity/2 {
			claimed, err := o.opt.Store.ClaimDue(o.opt.Clock.Now(), capacity-inflight, o.decide)
			if err != nil {
				o.log.Error("claim due messages", "err", err)
			}
			for _, row := range claimed {
				inflight++
				jobs <- row
			}
			if err == nil && inflight <= capacity/2 {
				if due, ok, err := o.opt.Store.NextDue(); err != nil {
					o.log.Error("next due message", "err", err)
				} else if ok {
					wake, stop = o.opt.Clock.After(due.Sub(o.opt.Clock.Now()))
				}
			}
		}
		select {
		case <-ctx.Done():
			stop()
			for ; inflight > 0; inflight-- {
				<-done
			}
			return nil
		case <-o.kick:
		case <-wake:
		case <-done:
			inflight--
		case <-prune:
			o.pruneRates()
			prune, stopPrune = o.opt.Clock.After(pruneEvery)
		}
		stop()
	}
}

// pruneEvery is how often the loop governor's old counters are dropped.
const pruneEvery = 6 * time.Hour

// pruneRates drops the loop governor's counters whose window is over (a key
// per address per day would otherwise pile up in a daemon that runs for
// months).
func (o *Outbox) pruneRates() {
	now := o.opt.Clock.Now()
	if n, err := o.opt.Store.PruneRates(func(k string) bool { return staleWindow(k, now) }); err != nil {
		o.log.Warn("prune rate counters", "err", err)
	} else if n > 0 {
		o.log.Info("old rate counters pruned", "count", n)
	}
}

// decide is called for each due row inside the claiming transaction.
func (o *Outbox) decide(tx *store.Tx, row *support.Outbound) bool {
	now := o.opt.Clock.Now()
	if row.AwaitsCheck != 0 {
		if tx.IsUnverified(row.AwaitsCheck) {
			// Its sender check is still running (after a restart, or with
			// slow DNS): ReleaseAck will send or cancel it; look again
			// later in case it never does.
			row.State, row.Due = support.OutHeld, now.Add(SenderCheckWait)
			return false
		}
		row.AwaitsCheck = 0 // checked, but nobody released it: send it
	}
	// Business hours bind every attempt, retries included: a relay deferred
	// at 17:55 must not leave at 23:00.
	if row.BusinessHours {
		sched := o.opt.Schedule()
		if sched != nil && !sched.IsOpen(now) {
			row.State = support.OutHeld
			row.Due = sched.NextOpen(now)
			if row.Due.IsZero() {
				// A schedule that never opens: look again in a day (a
				// reload may open it), rather than spin.
				row.Due = now.Add(24 * time.Hour)
			}
			return false
		}
	}
	if until := time.Unix(0, o.suspended.Load()); now.Before(until) {
		row.State, row.Due = support.OutDeferred, until
		row.LastError = "delivery suspended: the smarthost could not be reached"
		return false
	}
	row.State = support.OutSending
	row.Attempts++
	row.Due = now.Add(o.backoff(row.Attempts))
	return true
}

// suspendInterval is how long delivery pauses after the smarthost could not
// be reached: a fifth of the first retry delay (a minute by default).
func (o *Outbox) suspendInterval() time.Duration { return o.opt.RetryMin / 5 }

// backoff is RetryMin doubling per attempt up to RetryMax, with ±10%
// jitter so messages deferred together do not retry in lockstep.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := o.opt.RetryMin
	for i := 1; i < attempts && d < o.opt.RetryMax; i++ {
		d *= 2
	}
	if d > o.opt.RetryMax {
		d = o.opt.RetryMax
	}
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// recover puts a row found in sending at start-up back in the queue: at
// once the first time, at its committed retry time if it keeps being
// interrupted (a message that crashes the sender must not loop hot).
func (o *Outbox) recover(row *support.Outbound) {
	row.State = support.OutQueued
	if row.Interrupted == 0 {
		row.Due = o.opt.Clock.Now()
	}
	row.Interrupted++
}

// handBack returns a claimed row that was not attempted (shutdown).
func (o *Outbox) handBack(row *support.Outbound) {
	_, err := o.opt.Store.UpdateOutbound(row.ID, func(r *support.Outbound) error {
		if r.State != support.OutSending {
			return nil
		}
		r.State = support.OutQueued
		r.Attempts--
		r.Due = o.opt.Clock.Now()
		return nil
	})
	if err != nil {
		o.log.Error("hand back unsent message", "id", row.ID, "err", err)
	}
}

// Reschedule recomputes the due time of every held message after the
// business hours changed; messages whose window is now open are released.
func (o *Outbox) Reschedule() (int, error) {
	now := o.opt.Clock.Now()
	n, err := o.opt.Store.Reschedule(func(row *support.Outbound) {
		if row.AwaitsCheck == 0 { // those wait for their check, not a window
			row.Due = now // decide() places it in the new windows when due
		}
	})
	o.Kick()
	return n, err
}
