package notify

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// TestGovernorCaseAndBodyLimits: at most 10 automatic messages per case in
// ten minutes (Zammad's first rung), and the same body from the same sender
// is answered at most 3 times an hour (two auto-responders talking).
func TestGovernorCaseAndBodyLimits(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	o := New(OutboxOptions{Store: st, Clock: clk, SupportAddress: "support@example.com"})
	allowed := func(c *support.Case, addr string, trigger *support.Message) (why string) {
		t.Helper()
		if err := st.Write(func(tx *store.Tx) error {
			var err error
			why, err = o.govern(tx, c, addr, trigger)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return why
	}

	c := &support.Case{Number: 7}
	for i := 1; i <= 11; i++ {
		why := allowed(c, fmt.Sprintf("person%d@cliente.es", i), nil)
		if (why == "") != (i <= 10) || i == 11 && !strings.Contains(why, "case #7 in ten minutes") {
			t.Errorf("automatic message %d on one case: refusal %q", i, why)
		}
	}
	clk.Advance(10 * time.Minute)
	if why := allowed(c, "later@cliente.es", nil); why != "" {
		t.Errorf("ten minutes later: refused (%s)", why)
	}

	for i := 1; i <= 4; i++ {
		trigger := &support.Message{From: support.Address{Address: "away@cliente.es"}, BodyHash: "same-body"}
		why := allowed(&support.Case{Number: uint64(100 + i)}, "away@cliente.es", trigger)
		if (why == "") != (i <= 3) || i == 4 && !strings.Contains(why, "auto-responder") {
			t.Errorf("answer %d to the same body: refusal %q", i, why)
		}
	}
	other := &support.Message{From: support.Address{Address: "away@cliente.es"}, BodyHash: "another-body"}
	if why := allowed(&support.Case{Number: 200}, "away@cliente.es", other); why != "" {
		t.Errorf("another body from the same sender: refused (%s)", why)
	}
}
