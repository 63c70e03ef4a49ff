package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLoopGovernor: automatic mail is never sent to machines or in answer
// to machines, and is rate-limited per recipient and per case.
func TestLoopGovernor(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, monday10)
	silent := []struct {
		name, from, extra string
		mailFrom          string
	}{
		{"Auto-Submitted", "ana1@cliente.es", "Auto-Submitted: auto-replied\r\n", "ana1@cliente.es"},
		{"Precedence bulk", "ana2@cliente.es", "Precedence: bulk\r\n", "ana2@cliente.es"},
		{"List-Id", "ana3@cliente.es", "List-Id: <users.lists.example>\r\n", "ana3@cliente.es"},
		{"X-Auto-Response-Suppress OOF", "ana4@cliente.es", "X-Auto-Response-Suppress: OOF, AutoReply\r\n", "ana4@cliente.es"},
		{"our own loop marker", "ana5@cliente.es", "X-Casemail-Loop: support@example.com\r\n", "ana5@cliente.es"},
		{"null sender", "ana6@cliente.es", "", ""},
		{"MAILER-DAEMON", "MAILER-DAEMON@mx.cliente.es", "", "mailer-daemon@mx.cliente.es"},
		{"no-reply", "no-reply@shop.example", "", "no-reply@shop.example"},
		{"postmaster", "postmaster@cliente.es", "", "postmaster@cliente.es"},
		{"Precedence junk", "ana7@cliente.es", "Precedence: junk\r\n", "ana7@cliente.es"},
		{"Precedence list", "ana8@cliente.es", "Precedence: list\r\n", "ana8@cliente.es"},
		{"X-Auto-Response-Suppress All", "ana9@cliente.es", "X-Auto-Response-Suppress: All\r\n", "ana9@cliente.es"},
	}
	for i, s := range silent {
		msg := mail{From: s.from, To: "support@example.com", Subject: "auto " + s.name, MessageID: fmt.Sprintf("auto%d@x", i), Extra: s.extra, Body: "x"}
		if err := send(t, m.SMTPAddr.String(), s.mailFrom, []string{"support@example.com"}, msg.bytes()); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	// Name the row that was answered, if any, before settle counts them.
	for start := time.Now(); clk.Waiters() == 0 && time.Since(start) < time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	for _, r := range rcv.messages() {
		for _, s := range silent {
			if strings.EqualFold(r.To[0], addrOf(s.from)) {
				t.Errorf("%s: automatic mail was answered (%q)", s.name, r.Msg.Header.Get("Subject"))
			}
		}
	}
	settle(t, clk, rcv, 0)
	// Each is kept: filed in a case, or (a bounce for nothing of ours)
	// quarantined; none is answered.
	var qs []json.RawMessage
	json.Unmarshal([]byte(cli(t, m, "quarantine", "list", "--json")), &qs)
	if n := len(listCases(t, m)) + len(qs); n != len(silent) {
		t.Errorf("%d kept, want %d", n, len(silent))
	}

	// 45 new cases from one customer in a day: 40 acknowledgements.
	for i := 0; i < 45; i++ {
		msg := mail{From: "flood@cliente.es", Subject: fmt.Sprintf("case %d", i), MessageID: fmt.Sprintf("flood%d@cliente.es", i), Body: fmt.Sprintf("body %d", i)}
		mustSend(t, m, msg)
	}
	waitMessages(t, rcv, 40)
	settle(t, clk, rcv, 40)
	clk.Advance(24 * time.Hour)
	mustSend(t, m, mail{From: "flood@cliente.es", Subject: "next day", MessageID: "flood-next@cliente.es", Body: "again"})
	waitMessages(t, rcv, 41)
}
