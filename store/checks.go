package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// ScheduleCase sets when case c's clocks are next looked at (zero: never)
// and saves c. The index is by time, so the desk's timer finds the next
// case with one cursor step.
func (t *Tx) ScheduleCase(c *support.Case, at time.Time) error {
	b := t.tx.Bucket(bCaseChecks)
	if !c.NextCheck.IsZero() {
		if err := b.Delete(dueKey(c.NextCheck, c.Number)); err != nil {
			return err
		}
	}
	if !at.IsZero() {
		if err := b.Put(dueKey(at, c.Number), nil); err != nil {
			return fmt.Errorf("schedule case %d: %w", c.Number, err)
		}
	}
	c.NextCheck = at
	return t.PutCase(c)
}

// NextCaseCheck returns the earliest scheduled case check.
func (s *Store) NextCaseCheck() (time.Time, bool, error) {
	var at time.Time
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bCaseChecks).Cursor().First(); k != nil {
			at, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k))), true
		}
		return nil
	})
	return at, ok, err
}

// DueCases returns up to max cases whose check is due at now.
func (s *Store) DueCases(now time.Time, max int) ([]uint64, error) {
	var out []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCaseChecks).Cursor()
		for k, _ := c.First(); k != nil && len(out) < max && binary.BigEndian.Uint64(k) <= uint64(now.UnixNano()); k, _ = c.Next() {
			out = append(out, binary.BigEndian.Uint64(k[8:]))
		}
		return nil
	})
	return out, err
}

// PutMessage saves m (as it stands when the write's function returns: the
// desk sets its visibility and notes after ingest stored it).
func (t *Tx) PutMessage(m *support.Message) error {
	if t.msgs == nil {
		t.msgs = map[uint64]*support.Message{}
	}
	t.msgs[m.Seq] = m
	return nil
}
