package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// Cases returns every case, newest first.
func (s *Store) Cases() ([]*support.Case, error) {
	var out []*support.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bCases).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var sc support.Case
			if err := json.Unmarshal(v, &sc); err != nil {
				return fmt.Errorf("decode case %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, &sc)
		}
		return nil
	})
	return out, err
}

// OpenCases returns the numbers of the cases not resolved, oldest first
// (the desk looks at all their clocks again when its policies change). A
// case that cannot be read is left out, with the error logged.
func (s *Store) OpenCases() ([]uint64, error) {
	var out []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			var sc struct {
				Status support.Status `json:"status"`
			}
			if err := json.Unmarshal(v, &sc); err != nil {
				s.log.Error("open cases: unreadable case", "case", binary.BigEndian.Uint64(k), "err", err)
				return nil
			}
			if sc.Status != support.StatusResolved {
				out = append(out, binary.BigEndian.Uint64(k))
			}
			return nil
		})
	})
	return out, err
}

// Case returns case n and its messages in arrival order.
func (s *Store) Case(n uint64) (*support.Case, []*support.Message, error) {
	var sc *support.Case
	var msgs []*support.Message
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if sc, err = getCase(tx, n); err != nil {
			return err
		}
		prefix := u64(n)
		mb := tx.Bucket(bMessages)
		c := tx.Bucket(bCaseMsgs).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			var m support.Message
			v := mb.Get(k[8:])
			if v == nil {
				return fmt.Errorf("case %d: message %d missing", n, binary.BigEndian.Uint64(k[8:]))
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode message %d: %w", binary.BigEndian.Uint64(k[8:]), err)
			}
			msgs = append(msgs, &m)
		}
		return nil
	})
	return sc, msgs, err
}

// CaseInfo returns case n without its messages.
func (s *Store) CaseInfo(n uint64) (*support.Case, error) {
	var c *support.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = getCase(tx, n)
		return err
	})
	return c, err
}

// Quarantine returns the quarantined messages, newest first.
func (s *Store) Quarantine() ([]*Quarantined, error) {
	var out []*Quarantined
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bQuarantine).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var q Quarantined
			if err := json.Unmarshal(v, &q); err != nil {
				return fmt.Errorf("decode quarantine %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, &q)
		}
		return nil
	})
	return out, err
}

// Raw returns the bytes of message or quarantine entry seq as received.
func (s *Store) Raw(seq uint64) ([]byte, error) {
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		raw = clone(tx.Bucket(bRaw).Get(u64(seq)))
		if raw == nil {
			return fmt.Errorf("raw message %d: %w", seq, support.ErrNotFound)
		}
		return nil
	})
	return raw, err
}

// Counts returns how many messages (in cases) and quarantined messages the
// store holds; the crash tests compare them with what got a 250.
func (s *Store) Counts() (messages, quarantined int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		messages = tx.Bucket(bMessages).Stats().KeyN
		quarantined = tx.Bucket(bQuarantine).Stats().KeyN
		return nil
	})
	return messages, quarantined, err
}

// IncomingMessageIDs returns the Message-ID of every stored inbound
// message in arrival order; the durability tests count them, duplicates
// included.
func (s *Store) IncomingMessageIDs() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bMessages).ForEach(func(k, v []byte) error {
			var m struct {
				ID  string            `json:"message_id"`
				Dir support.Direction `json:"direction"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode message %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if m.Dir == support.Incoming {
				out = append(out, m.ID)
			}
			return nil
		})
	})
	return out, err
}
