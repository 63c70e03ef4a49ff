package notify

import (
	"fmt"
	"time"

	"github.com/casemail/casemail/support"
)

// Operator controls on single outbox rows (casemail outbox send-now, retry,
// cancel). Each is one transaction and wakes the scheduler.

// ErrState is returned when a row is not in a state the control applies to.
type ErrState struct {
	ID    uint64
	State support.OutState
	Want  string
}

// Conflict marks the error as the caller's request not fitting the row's
// state (HTTP 409 in the admin API), not a failure of ours.
func (e *ErrState) Conflict() bool { return true }

func (e *ErrState) Error() string {
	return fmt.Sprintf("outbox %d is %s; %s", e.ID, e.State, e.Want)
}

// SendNow releases a pending row at once, outside business hours too.
func (o *Outbox) SendNow(id uint64) (*support.Outbound, error) {
	return o.control(id, func(r *support.Outbound) error {
		switch r.State {
		case support.OutHeld, support.OutQueued, support.OutDeferred:
			r.State, r.BusinessHours, r.Due = support.OutQueued, false, o.opt.Clock.Now()
			return nil
		}
		return &ErrState{ID: id, State: r.State, Want: "only held, queued or deferred messages can be sent now"}
	})
}

// Retry queues a failed or deferred row again, keeping its policy.
func (o *Outbox) Retry(id uint64) (*support.Outbound, error) {
	return o.control(id, func(r *support.Outbound) error {
		switch r.State {
		case support.OutFailed, support.OutDeferred:
			if r.State == support.OutFailed {
				r.Created = o.opt.Clock.Now() // a new lease of max_age
			}
			r.State, r.Due, r.Done = support.OutQueued, o.opt.Clock.Now(), time.Time{}
			return nil
		}
		return &ErrState{ID: id, State: r.State, Want: "only failed or deferred messages can be retried"}
	})
}

// Cancel stops a pending row from being sent; it stays as history.
func (o *Outbox) Cancel(id uint64) (*support.Outbound, error) {
	return o.control(id, func(r *support.Outbound) error {
		if !r.State.Pending() || r.State == support.OutSending {
			return &ErrState{ID: id, State: r.State, Want: "only held, queued or deferred messages can be canceled"}
		}
		r.State, r.Done = support.OutCanceled, o.opt.Clock.Now()
		return nil
	})
}

func (o *Outbox) control(id uint64, fn func(r *support.Outbound) error) (*support.Outbound, error) {
	row, err := o.opt.Store.UpdateOutbound(id, fn)
	if err != nil {
		return nil, err
	}
	o.Kick()
	return row, nil
}
