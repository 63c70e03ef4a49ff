package ingest

import (
	"context"
	"sync"
	"time"

	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

const (
	// verifyBatch is how many deferred checks run, and commit, together.
	verifyBatch = 32
	// verifyParallel bounds the DNS work in flight: each check waits on
	// the network, not the CPU.
	verifyParallel = 8
	// defaultCheckTimeout bounds one check; an unanswered lookup ends as
	// temperror, which is recorded like any other result.
	defaultCheckTimeout = 30 * time.Second
)

func (in *Ingester) kickVerifier() {
	select {
	case in.verify <- struct{}{}:
	default:
	}
}

// RunVerifier checks the sender authentication of messages that were
// filed before it was known (see Options.Auth) and records the results on
// them, until ctx ends. The marks are in the store, so checks interrupted
// by a stop or a crash run after the next start.
func (in *Ingester) RunVerifier(ctx context.Context) {
	if in.opt.Auth == nil {
		return
	}
	for {
		n, err := in.verifyBatch(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			in.opt.Logger.Error("sender authentication check", "err", err)
			n = 0 // wait for the next message, or the retry below
		}
		if n > 0 {
			continue
		}
		retry := time.NewTimer(time.Minute)
		select {
		case <-ctx.Done():
			retry.Stop()
			return
		case <-in.verify:
		case <-retry.C:
		}
		retry.Stop()
	}
}

// verifyBatch checks up to verifyBatch waiting messages and records the
// results in one transaction. It returns how many it recorded.
func (in *Ingester) verifyBatch(ctx context.Context) (int, error) {
	ms, err := in.st.Unverified(verifyBatch)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	results := make([]*support.AuthResults, len(ms))
	sem := make(chan struct{}, verifyParallel)
	var wg sync.WaitGroup
	for i := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			raw, err := in.st.Raw(ms[i].Seq)
			if err != nil {
				// Recorded as undecided rather than retried for ever.
				in.opt.Logger.Error("sender authentication check: read the raw message", "seq", ms[i].Seq, "err", err)
				results[i] = &support.AuthResults{SPF: "temperror", DKIM: "temperror", DMARC: "temperror", Source: "casemail"}
				return
			}
			cctx, cancel := context.WithTimeout(ctx, in.opt.CheckTimeout)
			defer cancel()
			results[i] = in.opt.Auth(cctx, raw, ms[i].Envelope)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		// Results cut short by the stop are not recorded: the marks stay
		// and the checks run again after the next start.
		return 0, err
	}
	err = in.st.Write(func(tx *store.Tx) error {
		for i, m := range ms {
			err := tx.Verified(m.Seq, func(m *support.Message) error {
				m.Auth, m.AuthPending = results[i], false
				if in.opt.Verified != nil {
					return in.opt.Verified(tx, m)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if in.opt.Checked != nil {
		in.opt.Checked()
	}
	return len(ms), nil
}
