package smtpd

import (
	"context"
	"errors"

	"github.com/emersion/go-smtp"
)

// Shutdown stops accepting connections and ends the sessions: an idle one
// is told "421 4.3.2" and closed at once; one inside a mail transaction
// (from MAIL to the reply after the data) finishes it, gets its reply, and
// then the 421. A stop must not cost a sender a message it has half sent,
// nor wait on clients that merely hold a connection open.
//
// Shutdown returns when every session has ended, or when ctx is done: then
// it closes the connections left and cancels the context deliveries run
// under, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	for _, c := range s.conns.beginShutdown() {
		go c.hangup(errShutdown, s.log)
	}
	// go-smtp closes the listeners and waits for its connection goroutines,
	// which end as each connection is closed.
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil // Close or Shutdown came first
	}
	if err != nil {
		s.log.Warn("shutdown timed out; closing the sessions left")
		s.forceClose()
	}
	return err
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.conns.beginShutdown()
	err := s.srv.Close()
	s.forceClose() // after a Shutdown, go-smtp's Close does nothing
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) forceClose() {
	s.cancel()
	for _, c := range s.conns.list() {
		c.hangup(nil, s.log)
	}
}

// beginShutdown refuses new connections and transactions from now on and
// returns the connections that are idle, marked gone. Done under t.mu, it
// leaves no gap: a connection admitted before is in the list, one after is
// refused, and a session that starts a transaction either does so before
// (and is left to finish it) or is refused (conn.begin).
func (t *connTable) beginShutdown() []*conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing.Store(true)
	var idle []*conn
	for c := range t.all {
		c.mu.Lock()
		if !c.busy && !c.gone {
			c.gone = true
			idle = append(idle, c)
		}
		c.mu.Unlock()
	}
	return idle
}

func (t *connTable) list() []*conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := make([]*conn, 0, len(t.all))
	for c := range t.all {
		l = append(l, c)
	}
	return l
}
