package ingest

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/casemail/casemail/support"
)

// BenchmarkDeliver measures parse + thread + group-committed store of 4 KB
// new-case messages from parallel senders (b.SetParallelism scales them).
func BenchmarkDeliver(b *testing.B) {
	in, _ := newIngester(b)
	body := strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 60)
	var n atomic.Int64
	b.SetParallelism(8)
	b.SetBytes(int64(len(body) + 200))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			raw := fmt.Sprintf("From: <bench@example.org>\r\nTo: <support@example.com>\r\nSubject: bench %d\r\nMessage-Id: <%d@bench>\r\n\r\n%s", i, i, body)
			if _, err := in.Deliver(context.Background(), support.Envelope{MailFrom: "bench@example.org", Rcpts: []string{"support@example.com"}}, []byte(raw)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
