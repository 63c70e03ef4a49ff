package ingest

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/mailparse"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
	"github.com/casemail/casemail/threading"
)

func newIngester(t testing.TB) (*Ingester, *store.Store) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	in := New(st, Options{
		Limits:    mailparse.DefaultLimits(),
		Threading: threading.Options{Key: []byte("k"), Addresses: []string{"support@example.com"}},
		Hostname:  "example.com",
		Now:       func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) },
		Logger:    slog.New(slog.DiscardHandler),
	})
	return in, st
}

func deliver(t *testing.T, in *Ingester, raw string) support.Delivery {
	t.Helper()
	d, err := in.Deliver(context.Background(), support.Envelope{Rcpts: []string{"support@example.com"}}, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMIMEBombIsQuarantinedRaw(t *testing.T) {
	in, st := newIngester(t)
	var b strings.Builder
	b.WriteString("From: a@b.c\nSubject: bomb\nMessage-ID: <bomb@x>\n")
	for i := 0; i < 2000; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + itoa(i%1000) + "\n\n--b" + itoa(i%1000) + "\n")
	}
	start := time.Now()
	d := deliver(t, in, b.String())
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("a MIME bomb took %v", el)
	}
	if !d.Quarantined || d.Reason == "" {
		t.Fatalf("bomb delivery = %+v, want quarantined with a reason", d)
	}
	raw, err := st.Raw(d.Seq)
	if err != nil || len(raw) < 2000 {
		t.Fatalf("raw bomb not kept: %d bytes, %v", len(raw), err)
	}
	if d2 := deliver(t, in, b.String()); !d2.Duplicate {
		t.Errorf("second copy of the bomb = %+v, want duplicate", d2)
	}
}

func TestMessageWithoutIDStoredOnce(t *testing.T) {
	in, _ := newIngester(t)
	raw := "From: ana@cliente.es\nSubject: sin id\n\nhola\n"
	d1 := deliver(t, in, raw)
	d2 := deliver(t, in, raw)
	if !d1.NewCase || !d2.Duplicate || d1.Case != d2.Case {
		t.Fatalf("deliveries %+v %+v", d1, d2)
	}
}

func TestReplyToLongResolvedCaseOpensLinkedCase(t *testing.T) {
	in, st := newIngester(t)
	in.opt.ReopenWindow = 14 * 24 * time.Hour
	now := in.opt.Now()
	resolve := func(n uint64, ago time.Duration) {
		st.Write(func(tx *store.Tx) error {
			c, _ := tx.Case(n)
			c.SetStatus(support.StatusResolved, now.Add(-ago))
			return tx.PutCase(c)
		})
	}
	d1 := deliver(t, in, "From: ana@cliente.es\nSubject: x\nMessage-ID: <1@c>\n\nhola\n")
	resolve(d1.Case, 2*24*time.Hour)
	d2 := deliver(t, in, "From: ana@cliente.es\nSubject: Re: x\nMessage-ID: <2@c>\nIn-Reply-To: <1@c>\n\nmás\n")
	if d2.Case != d1.Case || d2.NewCase {
		t.Fatalf("a reply within the reopen window went to %+v", d2)
	}
	resolve(d1.Case, 15*24*time.Hour)
	d3 := deliver(t, in, "From: ana@cliente.es\nSubject: Re: x\nMessage-ID: <3@c>\nIn-Reply-To: <2@c>\n\notra vez\n")
	if !d3.NewCase || d3.Case == d1.Case {
		t.Fatalf("a reply long after resolution: %+v", d3)
	}
	c, _, _ := st.Case(d3.Case)
	if len(c.Linked) != 1 || c.Linked[0] != d1.Case {
		t.Errorf("new case links %v, want [%d]", c.Linked, d1.Case)
	}
}

func TestBodyHashIgnoresLineEndingsAndTrace(t *testing.T) {
	lf := "Received: from a\nSubject: x\n\nline 1\nline 2\n"
	crlf := "Received: from b\r\nReceived: from a\r\nSubject: x\r\n\r\nline 1\r\nline 2\r\n\r\n"
	cr := "Subject: x\r\rline 1\rline 2\r"
	if BodyHash([]byte(lf)) != BodyHash([]byte(crlf)) || BodyHash([]byte(lf)) != BodyHash([]byte(cr)) {
		t.Error("the same body with other line endings or trace headers hashes differently")
	}
	if BodyHash([]byte(lf)) == BodyHash([]byte("Subject: x\n\nline 1\nline 3\n")) {
		t.Error("different bodies hash the same")
	}
}

func TestSameIDOtherContentIsKept(t *testing.T) {
	in, st := newIngester(t)
	d1 := deliver(t, in, "From: a@b.c\nSubject: x\nMessage-ID: <same@x>\n\none\n")
	d2 := deliver(t, in, "From: a@b.c\nSubject: x\nMessage-ID: <same@x>\n\ntwo\n")
	if d2.Duplicate || d2.Case != d1.Case {
		t.Fatalf("second message with the same ID and other content: %+v", d2)
	}
	if n, _, _ := st.Counts(); n != 2 {
		t.Fatalf("stored %d messages, want 2", n)
	}
}

// TestDeferredSenderCheck: a new case is filed without waiting for its
// sender check; a reply on a case is checked before filing; a check
// interrupted by a stop runs after the next start.
func TestDeferredSenderCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	checks := make(chan string, 10)
	auth := func(_ context.Context, raw []byte, env support.Envelope) *support.AuthResults {
		checks <- env.MailFrom
		return &support.AuthResults{SPF: "pass", DMARC: "pass", Source: "test"}
	}
	open := func() (*Ingester, *store.Store) {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return New(st, Options{
			Threading: threading.Options{Key: []byte("k"), Addresses: []string{"support@example.com"}},
			Auth:      auth,
		}), st
	}
	in, st := open()
	env := support.Envelope{MailFrom: "ana@cliente.es", Rcpts: []string{"support@example.com"}}
	d, err := in.Deliver(context.Background(), env, []byte("From: ana@cliente.es\r\nSubject: x\r\nMessage-ID: <1@c>\r\n\r\nhola\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 0 {
		t.Fatal("a new case waited for its sender check")
	}
	env.MailFrom = "reply@cliente.es"
	r, err := in.Deliver(context.Background(), env, []byte("From: ana@cliente.es\r\nSubject: Re: x\r\nMessage-ID: <2@c>\r\nIn-Reply-To: <1@c>\r\n\r\nmás\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := <-checks; got != "reply@cliente.es" {
		t.Fatalf("checked %q before filing, want the reply", got)
	}
	if _, ms, _ := st.Case(r.Case); ms[1].Auth == nil {
		t.Fatal("the reply was filed without its sender check")
	}
	st.Close() // stop before the deferred check ran

	in, st = open()
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { in.RunVerifier(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if got := <-checks; got != "ana@cliente.es" {
		t.Fatalf("checked %q after the restart, want the new case's sender", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ms, err := st.Case(d.Case)
		if err != nil {
			t.Fatal(err)
		}
		if a := ms[0].Auth; a != nil {
			if a.Source != "test" {
				t.Fatalf("recorded %+v", a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deferred check was never recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if left, _ := st.Unverified(10); len(left) != 0 {
		t.Errorf("%d messages still marked unverified", len(left))
	}
}

// noteDesk stands in for the desk's handling of an agent's #note: it strips
// the command from the text and marks the message internal, as the real
// desk does, so a second run on the same message would see no command.
type noteDesk struct{}

func (noteDesk) Filed(_ *store.Tx, _ *support.Case, m *support.Message, _ threading.Decision, _ bool) error {
	m.Visibility = support.VisPublic
	if rest, ok := strings.CutPrefix(m.NewText, "#note\n"); ok {
		m.NewText, m.Visibility = rest, support.VisInternal
		m.Notes = append(m.Notes, "commands: #note")
	}
	return nil
}

// TestFilingRetriedAloneStartsAgain: when a write in the same batch fails,
// the filing is run again alone; that run starts from the message as
// parsed, so an agent's #note is still a note (not text for the customer)
// and nothing is recorded twice.
func TestFilingRetriedAloneStartsAgain(t *testing.T) {
	in, st := newIngester(t)
	in.opt.Desk = noteDesk{}
	release, held := make(chan struct{}), make(chan struct{})
	go st.Write(func(*store.Tx) error { close(held); <-release; return nil })
	<-held // the committer is busy: what follows queues into one batch
	waitPending := func(n int) {
		for deadline := time.Now().Add(10 * time.Second); st.Pending() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d writes pending, want %d", st.Pending(), n)
			}
		}
	}
	filed := make(chan support.Delivery)
	go func() {
		d, err := in.Deliver(context.Background(), support.Envelope{Rcpts: []string{"support@example.com"}},
			[]byte("From: luis@example.com\r\nSubject: x\r\nMessage-ID: <n@x>\r\n\r\n#note\r\nThe customer owes two invoices.\r\n"))
		if err != nil {
			t.Error(err)
		}
		filed <- d
	}()
	waitPending(1)
	failed := make(chan error)
	go func() { failed <- st.Write(func(*store.Tx) error { return errors.New("a neighbour fails") }) }()
	waitPending(2)
	close(release)
	d := <-filed
	if err := <-failed; err == nil {
		t.Fatal("the failing neighbour succeeded")
	}
	_, ms, err := st.Case(d.Case)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if m.Visibility != support.VisInternal || strings.Contains(m.NewText, "#note") || len(m.Notes) != 1 {
		t.Errorf("after the retry the message is %s with text %q and notes %q: want one internal note", m.Visibility, m.NewText, m.Notes)
	}
}

// TestJoiningByOwnIDIsCheckedFirst: mail whose only link to a case is its
// own Message-ID is checked before it is filed there, like any reply.
func TestJoiningByOwnIDIsCheckedFirst(t *testing.T) {
	in, st := newIngester(t)
	checked := 0
	in.opt.Auth = func(context.Context, []byte, support.Envelope) *support.AuthResults {
		checked++
		return &support.AuthResults{DMARC: "fail", Source: "test"}
	}
	first := deliver(t, in, "From: ana@cliente.es\nSubject: x\nMessage-ID: <first@cliente.es>\n\nhola\n")
	if checked != 0 {
		t.Fatal("a new case was checked before filing")
	}
	d := deliver(t, in, "From: eve@evil.example\nSubject: hello\nMessage-ID: <first@cliente.es>\n\nsend invoices elsewhere\n")
	if d.Case != first.Case || checked != 1 {
		t.Fatalf("delivery %+v after %d checks: want case %d, checked before filing", d, checked, first.Case)
	}
	_, ms, _ := st.Case(d.Case)
	if a := ms[len(ms)-1].Auth; a == nil || a.DMARC != "fail" {
		t.Errorf("filed with auth %+v", a)
	}
}
