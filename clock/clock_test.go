package clock

import (
	"testing"
	"time"
)

func TestFakeFiresInOrder(t *testing.T) {
	start := time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
	f := NewFake(start)
	c1, _ := f.After(time.Hour)
	c2, stop2 := f.After(2 * time.Hour)
	f.Advance(59 * time.Minute)
	select {
	case <-c1:
		t.Fatal("fired a minute early")
	default:
	}
	f.Advance(time.Minute)
	if got := <-c1; !got.Equal(start.Add(time.Hour)) {
		t.Fatalf("fired at %v", got)
	}
	stop2()
	f.Advance(5 * time.Hour)
	select {
	case <-c2:
		t.Fatal("a stopped timer fired")
	default:
	}
	if f.Waiters() != 0 {
		t.Fatalf("%d waiters left", f.Waiters())
	}
}
