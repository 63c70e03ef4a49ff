package store

import (
	"fmt"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

type writeReq struct {
	fn   func(*Tx) error
	done chan error
}

// Write runs fn in a write transaction shared with whatever other writes are
// waiting, and returns once that transaction has committed to disk (or
// failed). fn must not do network I/O and may be run twice: if any write in
// a batch fails, the batch is rolled back and each write retried alone, so
// one bad write cannot fail its neighbours.
func (s *Store) Write(fn func(*Tx) error) error {
	r := writeReq{fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return support.ErrStoreClosed
	}
	s.reqs <- r
	s.mu.RUnlock()
	return <-r.done
}

// Commits returns how many transactions the committer has committed and how
// many writes they carried (writes retried alone after a failed batch count
// as neither).
func (s *Store) Commits() (commits, writes uint64) { return s.commits.Load(), s.writes.Load() }

// Pending returns how many writes are waiting for the committer (for
// monitoring, and for tests that need a batch of a known make-up).
func (s *Store) Pending() int { return len(s.reqs) }

// commitLoop is the single committer. It takes the first waiting write,
// then everything else already queued, and commits them together. There is
// no timer: under light load a write commits alone at once, under heavy load
// batches grow by themselves while the previous fsync runs.
func (s *Store) commitLoop() {
	defer close(s.done)
	batch := make([]writeReq, 0, s.max)
	for first := range s.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < s.max {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []writeReq) {
	failed := -1
	err := s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		for i, r := range batch {
			if err := s.run(r.fn, tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.commits.Add(1)
		s.writes.Add(uint64(len(batch)))
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	if failed < 0 || len(batch) == 1 {
		// The commit itself failed (disk full, I/O error): nothing in the
		// batch is on disk, and every writer must hear so.
		if failed < 0 {
			s.log.Error("store commit failed", "err", err, "writes", len(batch))
		}
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- s.db.Update(func(btx *bolt.Tx) error { return s.run(r.fn, &Tx{tx: btx}) })
	}
}

// run calls fn, turning a panic into an error so one bad message cannot take
// down the committer and every session waiting on it, then writes what fn
// saved.
func (s *Store) run(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in store write", "panic", p)
			err = fmt.Errorf("store write panicked: %v", p)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.flush()
}
