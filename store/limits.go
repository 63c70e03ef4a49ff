package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

// Take counts one use of the window named key and reports whether it was
// still below max. Windows are fixed (the caller puts the day or the ten
// minutes in the key) and kept in the store, so limits hold across
// restarts.
func (t *Tx) Take(key string, max int) (bool, error) {
	if len(key) > maxKey {
		// A hostile address can be longer than a bbolt key may be: hash
		// what names the counter, keep the window (pruning reads it).
		i := strings.LastIndexByte(key, '/')
		key = string(boundedKey(key[:i])) + key[i:]
	}
	b := t.tx.Bucket(bRates)
	var n uint64
	if v := b.Get([]byte(key)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	if n >= uint64(max) {
		return false, nil
	}
	if err := b.Put([]byte(key), u64(n+1)); err != nil {
		return false, fmt.Errorf("count %s: %w", key, err)
	}
	return true, nil
}

// Suppression stops mail to an address after a hard bounce, until an agent
// clears it.
type Suppression struct {
	Address string    `json:"address"`
	Since   time.Time `json:"since"`
	Reason  string    `json:"reason"`
	Case    uint64    `json:"case,omitempty"`
}

// Suppress records s (a later bounce replaces an earlier record).
func (t *Tx) Suppress(s Suppression) error {
	s.Address = support.NormalizeAddress(s.Address)
	return putJSON(t.tx.Bucket(bSuppressed), boundedKey(s.Address), s)
}

// Suppressed returns the suppression of addr, or nil.
func (t *Tx) Suppressed(addr string) (*Suppression, error) {
	v := t.tx.Bucket(bSuppressed).Get(boundedKey(support.NormalizeAddress(addr)))
	if v == nil {
		return nil, nil
	}
	var s Suppression
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("decode suppression of %s: %w", addr, err)
	}
	return &s, nil
}

// Suppressions lists every suppressed address.
func (s *Store) Suppressions() ([]Suppression, error) {
	var out []Suppression
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSuppressed).ForEach(func(k, v []byte) error {
			var sp Suppression
			if err := json.Unmarshal(v, &sp); err != nil {
				return fmt.Errorf("decode suppression of %s: %w", k, err)
			}
			out = append(out, sp)
			return nil
		})
	})
	return out, err
}

// ClearSuppression lets mail go to addr again.
func (s *Store) ClearSuppression(addr string) error {
	return s.Write(func(tx *Tx) error {
		key := boundedKey(support.NormalizeAddress(addr))
		b := tx.tx.Bucket(bSuppressed)
		if b.Get(key) == nil {
			return fmt.Errorf("%s: %w", addr, support.ErrNotFound)
		}
		return b.Delete(key)
	})
}

// PruneRates deletes the rate windows stale reports as over, and returns
// how many it deleted.
func (s *Store) PruneRates(stale func(key string) bool) (int, error) {
	n := 0
	err := s.Write(func(tx *Tx) error {
		n = 0
		b := tx.tx.Bucket(bRates)
		var old [][]byte
		b.ForEach(func(k, _ []byte) error {
			if stale(string(k)) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}
