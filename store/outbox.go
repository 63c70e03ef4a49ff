package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// The outbox keeps one row per outgoing message and recipient. Pending rows
// (held, queued, deferred) are also indexed by due time, so the scheduler
// finds the earliest with one cursor step and never scans history; rows with
// an attempt in progress are listed apart so start-up finds them at once.

func dueKey(due time.Time, id uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, uint64(due.UnixNano()))
	binary.BigEndian.PutUint64(k[8:], id)
	return k
}

func indexed(s support.OutState) bool {
	return s == support.OutHeld || s == support.OutQueued || s == support.OutDeferred
}

// Enqueue adds o to the outbox, assigning its ID.
func (t *Tx) Enqueue(o *support.Outbound) error {
	id, err := nextSeq(t.tx.Bucket(bMeta), kOutSeq)
	if err != nil {
		return fmt.Errorf("allocate outbox id: %w", err)
	}
	o.ID = id
	if o.MessageID != "" {
		// A bounce without our VERP token still names the message it
		// returns: this finds the row.
		if err := t.tx.Bucket(bOutMsgIDs).Put(boundedKey(o.MessageID), u64(id)); err != nil {
			return fmt.Errorf("index outbox %d: %w", id, err)
		}
	}
	return t.putOutbound(o, nil)
}

// OutboundByMessageID returns the outbox row that sent Message-ID id.
func (t *Tx) OutboundByMessageID(id string) (uint64, bool) {
	v := t.tx.Bucket(bOutMsgIDs).Get(boundedKey(id))
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// Outbound returns outbox row id.
func (t *Tx) Outbound(id uint64) (*support.Outbound, error) {
	return getOutbound(t.tx, id)
}

func getOutbound(tx *bolt.Tx, id uint64) (*support.Outbound, error) {
	v := tx.Bucket(bOutbox).Get(u64(id))
	if v == nil {
		return nil, fmt.Errorf("outbox %d: %w", id, support.ErrNotFound)
	}
	var o support.Outbound
	if err := json.Unmarshal(v, &o); err != nil {
		return nil, fmt.Errorf("decode outbox %d: %w", id, err)
	}
	return &o, nil
}

// putOutbound saves o and moves its index entries from what old had to
// what o has now.
func (t *Tx) putOutbound(o *support.Outbound, old *support.Outbound) error {
	due, sending := t.tx.Bucket(bOutDue), t.tx.Bucket(bOutSending)
	if old != nil {
		if indexed(old.State) {
			if err := due.Delete(dueKey(old.Due, old.ID)); err != nil {
				return err
			}
		}
		if old.State == support.OutSending {
			if err := sending.Delete(u64(old.ID)); err != nil {
				return err
			}
		}
	}
	if indexed(o.State) {
		if err := due.Put(dueKey(o.Due, o.ID), nil); err != nil {
			return fmt.Errorf("index outbox %d: %w", o.ID, err)
		}
	}
	if o.State == support.OutSending {
		if err := sending.Put(u64(o.ID), nil); err != nil {
			return fmt.Errorf("index outbox %d: %w", o.ID, err)
		}
	}
	if err := putJSON(t.tx.Bucket(bOutbox), u64(o.ID), o); err != nil {
		return fmt.Errorf("save outbox %d: %w", o.ID, err)
	}
	return nil
}

// UpdateOutbound applies fn to row id and saves it, keeping the indexes
// right whatever fn changed.
func (t *Tx) UpdateOutbound(id uint64, fn func(o *support.Outbound) error) (*support.Outbound, error) {
	old, err := getOutbound(t.tx, id)
	if err != nil {
		return nil, err
	}
	o := *old
	o.History = append([]support.Attempt(nil), old.History...)
	if err := fn(&o); err != nil {
		return nil, err
	}
	return &o, t.putOutbound(&o, old)
}

// UpdateOutbound runs Tx.UpdateOutbound in its own transaction.
func (s *Store) UpdateOutbound(id uint64, fn func(o *support.Outbound) error) (*support.Outbound, error) {
	var out *support.Outbound
	err := s.Write(func(tx *Tx) error {
		var err error
		out, err = tx.UpdateOutbound(id, fn)
		return err
	})
	return out, err
}

// NextDue returns the due time of the earliest pending row.
func (s *Store) NextDue() (time.Time, bool, error) {
	var due time.Time
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bOutDue).Cursor().First()
		if k != nil {
			due, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k))), true
		}
		return nil
	})
	return due, ok, err
}

// ClaimDue hands up to max rows due at now to decide, in due order, in one
// transaction. decide changes each row (to sending, with its attempt and
// next retry time counted, or back to held at a later time) and reports
// whether the caller is to send it now (it may look at the store through
// tx); the claimed rows are returned.
// Committing the attempt before dialing is what keeps a crash from
// retrying hot or sending without a record.
func (s *Store) ClaimDue(now time.Time, max int, decide func(tx *Tx, o *support.Outbound) bool) ([]*support.Outbound, error) {
	var claimed []*support.Outbound
	err := s.Write(func(tx *Tx) error {
		claimed = claimed[:0]
		var ids []uint64
		c := tx.tx.Bucket(bOutDue).Cursor()
		limit := uint64(now.UnixNano())
		for k, _ := c.First(); k != nil && len(ids) < max && binary.BigEndian.Uint64(k) <= limit; k, _ = c.Next() {
			ids = append(ids, binary.BigEndian.Uint64(k[8:]))
		}
		for _, id := range ids {
			var send bool
			o, err := tx.UpdateOutbound(id, func(o *support.Outbound) error {
				send = decide(tx, o)
				return nil
			})
			if err != nil {
				return err
			}
			if send {
				claimed = append(claimed, o)
			}
		}
		return nil
	})
	return claimed, err
}

// RecoverSending puts rows left in sending by a crash back in the queue,
// through fix, which decides when each is due again.
func (s *Store) RecoverSending(fix func(o *support.Outbound)) (int, error) {
	n := 0
	err := s.Write(func(tx *Tx) error {
		n = 0
		var ids []uint64
		tx.tx.Bucket(bOutSending).ForEach(func(k, _ []byte) error {
			ids = append(ids, binary.BigEndian.Uint64(k))
			return nil
		})
		for _, id := range ids {
			if _, err := tx.UpdateOutbound(id, func(o *support.Outbound) error { fix(o); return nil }); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Reschedule passes every held row to fix (after a business-hours reload),
// which may change its due time or state.
func (s *Store) Reschedule(fix func(o *support.Outbound)) (int, error) {
	n := 0
	err := s.Write(func(tx *Tx) error {
		n = 0
		var ids []uint64
		tx.tx.Bucket(bOutDue).ForEach(func(k, _ []byte) error {
			ids = append(ids, binary.BigEndian.Uint64(k[8:]))
			return nil
		})
		for _, id := range ids {
			o, err := getOutbound(tx.tx, id)
			if err != nil {
				return err
			}
			if o.State != support.OutHeld {
				continue
			}
			if _, err := tx.UpdateOutbound(id, func(o *support.Outbound) error { fix(o); return nil }); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Outbox returns outbox rows, newest first; pendingOnly leaves out the
// history of sent, failed and canceled rows.
func (s *Store) Outbox(pendingOnly bool, limit int) ([]*support.Outbound, error) {
	var out []*support.Outbound
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var o support.Outbound
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("decode outbox %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if pendingOnly && !o.State.Pending() {
				continue
			}
			out = append(out, &o)
		}
		return nil
	})
	return out, err
}

// GetOutbound returns outbox row id.
func (s *Store) GetOutbound(id uint64) (*support.Outbound, error) {
	var o *support.Outbound
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		o, err = getOutbound(tx, id)
		return err
	})
	return o, err
}
