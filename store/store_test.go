package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/casemail/casemail/support"
	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "casemail.db")
	s, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func addCase(t *testing.T, s *Store, id string, refs ...string) uint64 {
	t.Helper()
	var n uint64
	err := s.Write(func(tx *Tx) error {
		num, err := tx.NewCaseNumber()
		if err != nil {
			return err
		}
		m := &support.Message{Direction: support.Incoming, MessageID: id, References: refs, From: support.Address{Address: "a@b.c"}, Subject: id}
		c := support.Open(num, m, support.KindProblem, time.Now())
		n = num
		return tx.AddMessage(c, m, []byte("raw "+id), time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCasesMessagesAndIndex(t *testing.T) {
	s, _ := openTemp(t)
	if n := addCase(t, s, "a@x", "ghost@x"); n != 1 {
		t.Fatalf("first case is #%d", n)
	}
	if n := addCase(t, s, "b@x"); n != 2 {
		t.Fatalf("second case is #%d", n)
	}
	err := s.Write(func(tx *Tx) error {
		if n, ok := tx.HasMessage("a@x"); !ok || n != 1 {
			t.Errorf("HasMessage(a@x) = %d, %v", n, ok)
		}
		if _, ok := tx.HasMessage("ghost@x"); ok {
			t.Error("a referenced ID counts as stored")
		}
		if n, _ := tx.CaseForMessageID("ghost@x"); n != 1 {
			t.Errorf("ghost@x belongs to case %d, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := s.Cases()
	if len(cases) != 2 || cases[0].Number != 2 {
		t.Fatalf("Cases() = %+v, want newest first", cases)
	}
	c, msgs, err := s.Case(1)
	if err != nil || c.MessageCount != 1 || len(msgs) != 1 || msgs[0].MessageID != "a@x" {
		t.Fatalf("Case(1) = %+v %+v %v", c, msgs, err)
	}
	raw, _ := s.Raw(msgs[0].Seq)
	if string(raw) != "raw a@x" {
		t.Errorf("raw = %q", raw)
	}
	if _, _, err := s.Case(9); !errors.Is(err, support.ErrNotFound) {
		t.Errorf("missing case: %v", err)
	}
}

func TestSecondProcessGetsClearError(t *testing.T) {
	_, path := openTemp(t)
	_, err := Open(path, Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, support.ErrStoreLocked) {
		t.Fatalf("second open: %v, want ErrStoreLocked", err)
	}
}

func TestSchemaVersionChecked(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kSchema, u64(99)) })
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, support.ErrSchemaMismatch) {
		t.Fatalf("open of a newer schema: %v", err)
	}
}

// TestGroupCommit checks that concurrent writers all commit, each exactly
// once, and that a failing write does not fail its batch neighbours.
func TestGroupCommit(t *testing.T) {
	s, _ := openTemp(t)
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Write(func(tx *Tx) error {
				if i%50 == 7 {
					return fmt.Errorf("write %d refuses", i)
				}
				n, err := tx.NewCaseNumber()
				if err != nil {
					return err
				}
				m := &support.Message{Direction: support.Incoming, MessageID: fmt.Sprintf("m%d@x", i), From: support.Address{Address: "a@b.c"}}
				return tx.AddMessage(support.Open(n, m, support.KindProblem, time.Now()), m, []byte("x"), time.Now())
			})
		}(i)
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if (err != nil) != (i%50 == 7) {
			t.Errorf("write %d: %v", i, err)
		}
		if err != nil {
			failed++
		}
	}
	ids, _ := s.IncomingMessageIDs()
	if len(ids) != 200-failed {
		t.Fatalf("stored %d messages, want %d", len(ids), 200-failed)
	}
	cases, _ := s.Cases()
	if len(cases) != 200-failed || cases[0].Number != uint64(200-failed) {
		t.Fatalf("case numbers not sequential: %d cases, newest #%d", len(cases), cases[0].Number)
	}
}

func TestWriteAfterClose(t *testing.T) {
	s, _ := openTemp(t)
	s.Close()
	if err := s.Write(func(*Tx) error { return nil }); !errors.Is(err, support.ErrStoreClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestTokenKeyIsKept(t *testing.T) {
	s, path := openTemp(t)
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte("k1"), nil }
	k1, err := s.TokenKey(gen)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	k2, _ := s2.TokenKey(func() ([]byte, error) { return []byte("k2"), nil })
	if string(k1) != "k1" || string(k2) != "k1" || calls != 1 {
		t.Fatalf("keys %q %q after %d generations", k1, k2, calls)
	}
}

// TestCaseSavedAsItStandsWhenTheWriteReturns: saving is deferred to the
// end of the write, so what a write saves is its final state, and later
// reads in the same write see it.
func TestCaseSavedAsItStandsWhenTheWriteReturns(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Write(func(tx *Tx) error {
		m := &support.Message{MessageID: "a@b", Subject: "first"}
		c := support.Open(1, m, support.KindProblem, time.Now())
		if err := tx.AddMessage(c, m, []byte("raw"), time.Now()); err != nil {
			return err
		}
		c.Assignee, m.Author = "luis@example.com", "customer"
		if got, _ := tx.Case(1); got.Assignee != "luis@example.com" {
			t.Errorf("a read in the same write sees assignee %q", got.Assignee)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, ms, err := st.Case(1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Assignee != "luis@example.com" || ms[0].Author != "customer" || c.MessageCount != 1 {
		t.Errorf("saved case %+v, message author %q: want the state at the end of the write", c, ms[0].Author)
	}
}

// TestUnverifiedSkipsAnUnreadableRecord: one corrupt message waiting for
// its sender check does not hold back the others.
func TestUnverifiedSkipsAnUnreadableRecord(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var seqs []uint64
	err = st.Write(func(tx *Tx) error {
		for _, id := range []string{"a@x", "b@x"} {
			m := &support.Message{MessageID: id}
			c := support.Open(uint64(len(seqs)+1), m, support.KindProblem, time.Now())
			if err := tx.AddMessage(c, m, []byte("raw"), time.Now()); err != nil {
				return err
			}
			if err := tx.MarkUnverified(m.Seq); err != nil {
				return err
			}
			seqs = append(seqs, m.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMessages).Put(u64(seqs[0]), []byte("{not json")) })
	ms, err := st.Unverified(10)
	if err != nil || len(ms) != 1 || ms[0].Seq != seqs[1] {
		t.Fatalf("Unverified = %d messages, %v; want only message %d", len(ms), err, seqs[1])
	}
}

// TestWritesWaitingShareOneCommit: writes that queue while the committer
// is busy are committed together, in one transaction and one fsync round.
func TestWritesWaitingShareOneCommit(t *testing.T) {
	s, _ := openTemp(t)
	release, held := make(chan struct{}), make(chan struct{})
	go s.Write(func(*Tx) error { close(held); <-release; return nil })
	<-held
	const n = 10
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := s.Write(func(tx *Tx) error { return tx.PutRaw(uint64(1000+i), []byte("x")) }); err != nil {
				t.Error(err)
			}
		}(i)
	}
	for deadline := time.Now().Add(10 * time.Second); s.Pending() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes pending, want %d", s.Pending(), n)
		}
	}
	close(release)
	wg.Wait()
	if commits, writes := s.Commits(); commits != 2 || writes != n+1 {
		t.Errorf("%d writes in %d commits, want %d writes in 2 (the busy one, then all the waiting ones)", writes, commits, n+1)
	}
}
