package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// TestRecoverNeverLoopsHot: a row interrupted by a crash is retried at
// once the first time; if it keeps being interrupted (a message that
// crashes the sender), it waits for the retry time committed before the
// attempt, so a crash loop cannot resend it in a tight loop.
func TestRecoverNeverLoopsHot(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	o := New(OutboxOptions{Clock: clock.NewFake(now)})
	committedRetry := now.Add(10 * time.Minute)
	row := &support.Outbound{State: support.OutSending, Attempts: 2, Due: committedRetry}
	o.recover(row)
	if row.State != support.OutQueued || !row.Due.Equal(now) || row.Interrupted != 1 {
		t.Fatalf("first interruption: %+v", row)
	}
	row.State, row.Attempts, row.Due = support.OutSending, 3, committedRetry
	o.recover(row)
	if !row.Due.Equal(committedRetry) || row.Interrupted != 2 {
		t.Fatalf("second interruption in a row retried at %v, want the committed %v", row.Due, committedRetry)
	}
}

func TestStaleWindow(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for key, stale := range map[string]bool{
		"rcpt/ana@cliente.es/20261130":         false,
		"rcpt/ana@cliente.es/20261127":         true,
		"body/ana@cliente.es/abc/2026113009":   false,
		"body/ana@cliente.es/abc/2026112700":   true,
		"case/7/" + fmt.Sprint(now.Unix()/600): false,
		"case/7/1":                             true,
		"garbage":                              true,
	} {
		if got := staleWindow(key, now); got != stale {
			t.Errorf("staleWindow(%q) = %v, want %v", key, got, stale)
		}
	}
}

// TestRateCountersArePrunedWhileRunning: the loop governor's counters are
// dropped once their window is over, also in a daemon that never restarts.
func TestRateCountersArePrunedWhileRunning(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	key := "rcpt/ana@cliente.es/" + start.Format("20060102")
	take := func() bool {
		var ok bool
		if err := st.Write(func(tx *store.Tx) error { ok, err = tx.Take(key, 1); return err }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	take() // today's only allowance is used
	o := New(OutboxOptions{Store: st, Clock: clk, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for i := 0; i < 4*3; i++ { // three days in six-hour steps
		deadline := time.Now().Add(10 * time.Second)
		for clk.Waiters() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the outbox set no timer")
			}
			time.Sleep(time.Millisecond)
		}
		clk.Advance(6 * time.Hour)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !take() {
		if time.Now().After(deadline) {
			t.Fatal("a counter from three days ago was never pruned")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
