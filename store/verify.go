package store

import (
	"encoding/binary"
	"fmt"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// MarkUnverified records that message seq was filed before its sender
// authentication was checked; the check runs after the commit, off the
// SMTP session (it does DNS), and Verified clears the mark. The mark is in
// the same transaction as the message, so a crash between the two loses
// no check.
func (t *Tx) MarkUnverified(seq uint64) error {
	if err := t.tx.Bucket(bUnverified).Put(u64(seq), nil); err != nil {
		return fmt.Errorf("mark message %d unverified: %w", seq, err)
	}
	return nil
}

// IsUnverified reports whether message seq still waits for its sender
// check.
func (t *Tx) IsUnverified(seq uint64) bool {
	return t.tx.Bucket(bUnverified).Get(u64(seq)) != nil
}

// Unverified returns up to max messages still waiting for their sender
// authentication check, oldest first (their raw bytes are read one at a
// time by the checker: a batch of large messages need not fit in memory).
func (s *Store) Unverified(max int) ([]*support.Message, error) {
	var ms []*support.Message
	err := s.db.View(func(tx *bolt.Tx) error {
		t := &Tx{tx: tx}
		c := tx.Bucket(bUnverified).Cursor()
		for k, _ := c.First(); k != nil && len(ms) < max; k, _ = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			m, err := t.Message(seq)
			if err != nil {
				// One unreadable record must not stop the checks of all
				// the messages after it.
				s.log.Error("message waiting for its sender check is unreadable", "seq", seq, "err", err)
				continue
			}
			ms = append(ms, m)
		}
		return nil
	})
	return ms, err
}

// Verified records the authentication results of message seq (read again
// inside the transaction, so a concurrent change to the message is kept)
// and clears its mark: fn sets them, and may add notes, on the message
// it is given, which is then saved.
func (t *Tx) Verified(seq uint64, fn func(m *support.Message) error) error {
	m, err := t.Message(seq)
	if err != nil {
		return err
	}
	if err := fn(m); err != nil {
		return err
	}
	if err := t.PutMessage(m); err != nil {
		return err
	}
	if err := t.tx.Bucket(bUnverified).Delete(u64(seq)); err != nil {
		return fmt.Errorf("clear unverified mark of message %d: %w", seq, err)
	}
	return nil
}
