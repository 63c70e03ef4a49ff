package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Report is what Check finds.
type Report struct {
	Cases              int      `json:"cases"`
	MaxCase            uint64   `json:"max_case"`
	Messages           int      `json:"messages"`
	Incoming           int      `json:"incoming"`
	DistinctIncoming   int      `json:"distinct_incoming_message_ids"`
	DuplicatedIncoming int      `json:"duplicated_incoming_message_ids"`
	Quarantined        int      `json:"quarantined"`
	Outbox             int      `json:"outbox"`
	Errors             []string `json:"errors"`
}

// Check verifies the file (bbolt's page-level consistency check) and the
// invariants casemail relies on: case numbers without gaps, every message
// of a case present, and no Message-ID stored twice with the same body.
// Run it on a stopped daemon's file (casemail store check).
func (s *Store) Check() (*Report, error) {
	r := &Report{Errors: []string{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			r.Errors = append(r.Errors, "bbolt: "+err.Error())
		}
		r.Cases = tx.Bucket(bCases).Stats().KeyN
		if k, _ := tx.Bucket(bCases).Cursor().Last(); k != nil {
			r.MaxCase = binary.BigEndian.Uint64(k)
		}
		if uint64(r.Cases) != r.MaxCase {
			r.Errors = append(r.Errors, fmt.Sprintf("%d cases but the highest number is %d", r.Cases, r.MaxCase))
		}
		seen := map[string]int{}
		msgs := tx.Bucket(bMessages)
		err := msgs.ForEach(func(k, v []byte) error {
			r.Messages++
			var m struct {
				ID       string `json:"message_id"`
				Dir      string `json:"direction"`
				BodyHash string `json:"body_hash"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				r.Errors = append(r.Errors, fmt.Sprintf("message %d: %v", binary.BigEndian.Uint64(k), err))
				return nil
			}
			if m.Dir == "inbound" {
				r.Incoming++
				seen[m.ID+"\x00"+m.BodyHash]++
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.DistinctIncoming = len(seen)
		for _, n := range seen {
			if n > 1 {
				r.DuplicatedIncoming++
			}
		}
		cm := tx.Bucket(bCaseMsgs).Cursor()
		for k, _ := cm.First(); k != nil; k, _ = cm.Next() {
			if msgs.Get(k[8:]) == nil {
				r.Errors = append(r.Errors, fmt.Sprintf("case %d lists message %d, which is missing", binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])))
			}
		}
		r.Quarantined = tx.Bucket(bQuarantine).Stats().KeyN
		r.Outbox = tx.Bucket(bOutbox).Stats().KeyN
		return nil
	})
	return r, err
}
