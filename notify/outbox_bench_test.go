package notify

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemail/casemail/bizhours"
	"github.com/casemail/casemail/clock"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

type discardSender struct{ n atomic.Int64 }

func (d *discardSender) Send(context.Context, string, string, []byte) error {
	d.n.Add(1)
	return nil
}

var benchOpen = time.Date(2026, 11, 30, 9, 0, 0, 0, mustMadrid())

func mustMadrid() *time.Location {
	l, err := time.LoadLocation("Europe/Madrid")
	if err != nil {
		panic(err)
	}
	return l
}

// heldOutbox builds a store with n relays held for Monday 09:00 and an
// Outbox over it whose clock stands at Sunday 23:00.
func heldOutbox(b *testing.B, n int) (*Outbox, *store.Store, *clock.Fake, *discardSender) {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	sched, err := bizhours.New(bizhours.Config{Timezone: "Europe/Madrid", Weekly: map[string][]string{
		"monday": {"09:00-18:00"}, "tuesday": {"09:00-18:00"}, "wednesday": {"09:00-18:00"},
		"thursday": {"09:00-18:00"}, "friday": {"09:00-18:00"}}})
	if err != nil {
		b.Fatal(err)
	}
	comp, err := NewComposer(Options{SupportName: "Example Support", SupportAddress: "support@example.com", DefaultLanguage: "en"})
	if err != nil {
		b.Fatal(err)
	}
	clk := clock.NewFake(benchOpen.Add(-10 * time.Hour))
	snd := &discardSender{}
	o := New(OutboxOptions{Store: st, Sender: snd, Composer: comp, Clock: clk, Schedule: func() *bizhours.Schedule { return sched },
		TokenKey: []byte("0123456789abcdef0123456789abcdef"), SupportAddress: "support@example.com", Hostname: "example.com",
		Policy: Policy{Response: true}, Workers: 8})
	agent := &support.Address{Name: "Luis", Address: "luis@example.com"}
	for done := 0; done < n; {
		err := st.Write(func(tx *store.Tx) error {
			if done == 0 {
				num, err := tx.NewCaseNumber()
				if err != nil {
					return err
				}
				m := &support.Message{MessageID: "root@c", From: support.Address{Address: "ana@cliente.es"}, Subject: "panel"}
				if err := tx.AddMessage(support.Open(num, m, support.KindProblem, clk.Now()), m, []byte("x"), clk.Now()); err != nil {
					return err
				}
			}
			for i := 0; i < 5000 && done < n; i++ {
				row := &support.Outbound{Case: 1, Kind: support.OutResponse, State: support.OutHeld, To: support.Address{Address: "ana@cliente.es"},
					Agent: agent, Text: "Hemos reiniciado el servicio.", Language: "es", MessageID: o.newMessageID(1),
					InReplyTo: "root@c", BusinessHours: true, Created: clk.Now(), Due: benchOpen}
				if err := tx.Enqueue(row); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return o, st, clk, snd
}

// BenchmarkRelease100kHeld measures the time and memory to release 100,000
// held messages when the window opens: claim, compose, hand to a sender
// that discards, record as sent. Run with -benchtime=1x.
func BenchmarkRelease100kHeld(b *testing.B) {
	const n = 100_000
	for range b.N {
		b.StopTimer()
		o, _, clk, snd := heldOutbox(b, n)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { o.Run(ctx); close(done) }()
		for clk.Waiters() == 0 {
			time.Sleep(time.Millisecond)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		b.StartTimer()
		clk.Set(benchOpen)
		for snd.n.Load() < n {
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		cancel()
		<-done
		b.ReportMetric(elapsed.Seconds(), "s/release")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B-alloc/msg")
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "MiB-heap-after")
	}
}

// BenchmarkWakeWhileNoneDue measures one scheduler wake-up (claim nothing,
// find the next due time) with 100,000 messages held and none due. Between
// wake-ups the scheduler sleeps on a timer: no polling.
func BenchmarkWakeWhileNoneDue(b *testing.B) {
	o, st, clk, _ := heldOutbox(b, 100_000)
	b.ResetTimer()
	for range b.N {
		rows, err := st.ClaimDue(clk.Now(), 32, o.decide)
		if err != nil || len(rows) != 0 {
			b.Fatal(len(rows), err)
		}
		if _, ok, err := st.NextDue(); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
