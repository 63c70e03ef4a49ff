package main

// End-to-end acceptance tests: bounces and suppression, the JSON contract
// of the command line, and an operator's retry of a failed message. Each
// drives the real daemon over SMTP and its CLI, with a fake smarthost.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/admin"
)

const accAna = "ana@cliente.es"

// accDSN is an RFC 3464 delivery status notification from the customer's
// MX saying failed could not be delivered (5.1.1, user unknown), addressed
// to rcpt. returnedID, when set, is the Message-ID in the returned
// text/rfc822-headers part.
func accDSN(rcpt, failed, returnedID, id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Mail Delivery System <MAILER-DAEMON@mx.cliente.es>\r\nTo: %s\r\n", rcpt)
	fmt.Fprintf(&b, "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <%s>\r\n", id)
	b.WriteString("Date: Mon, 30 Nov 2026 10:00:05 +0100\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/report; report-type=delivery-status; boundary=\"accDSNboundary\"\r\n\r\n")
	b.WriteString("--accDSNboundary\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	fmt.Fprintf(&b, "This is the mail system at host mx.cliente.es.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n"+
		"be delivered to one or more recipients.\r\n\r\n<%s>: host mx.cliente.es[192.0.2.25] said: 550 5.1.1\r\n"+
		"    <%s>: Recipient address rejected: User unknown in local recipient table\r\n\r\n", failed, failed)
	b.WriteString("--accDSNboundary\r\nContent-Type: message/delivery-status\r\n\r\n")
	b.WriteString("Reporting-MTA: dns; mx.cliente.es\r\nArrival-Date: Mon, 30 Nov 2026 10:00:04 +0100\r\n\r\n")
	fmt.Fprintf(&b, "Final-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822;%s\r\nAction: failed\r\nStatus: 5.1.1\r\n", failed, failed)
	fmt.Fprintf(&b, "Remote-MTA: dns; mx.cliente.es\r\nDiagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown in local recipient table\r\n\r\n", failed)
	if returnedID != "" {
		b.WriteString("--accDSNboundary\r\nContent-Type: text/rfc822-headers\r\n\r\n")
		fmt.Fprintf(&b, "From: Example Support <support@example.com>\r\nTo: %s\r\nSubject: [Case #1] No puedo acceder al panel\r\n"+
			"Message-ID: <%s>\r\nAuto-Submitted: auto-replied\r\n\r\n", failed, returnedID)
	}
	b.WriteString("--accDSNboundary--\r\n")
	return []byte(b.String())
}

// accAckRow is the acknowledgement row of case n ("" state when none).
func accAckRow(t *testing.T, m *Main, n uint64) admin.OutboxView {
	t.Helper()
	for _, r := range outbox(t, m) {
		if r.Case == n && r.Kind == "ack" {
			return r
		}
	}
	return admin.OutboxView{}
}

func accSuppressions(t *testing.T, m *Main) []admin.SuppressionView {
	t.Helper()
	var list []admin.SuppressionView
	if err := json.Unmarshal([]byte(cli(t, m, "suppressions", "list", "--json")), &list); err != nil {
		t.Fatalf("suppressions list --json: %v", err)
	}
	return list
}

// accSubjects are the decoded subjects of what rcpt received.
func accSubjects(rcv *receiver, rcpt string) []string {
	var out []string
	for _, r := range to(rcv, rcpt) {
		out = append(out, decodeHeader(r.Msg.Header.Get("Subject")))
	}
	return out
}

// accAccept tells the fake smarthost to accept everything for rcpt again.
func accAccept(rcv *receiver, rcpt string) {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	delete(rcv.replies, rcpt)
}

// TestAccHardBounceSuppressesUntilCleared: a DSN saying the customer's
// mailbox does not exist (5.1.1), returned to the VERP path of the
// acknowledgement, suppresses the address: the next case's acknowledgement
// is not sent, with the reason on its row, until an operator clears the
// address; then the one after is sent again.
func TestAccHardBounceSuppressesUntilCleared(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, monday10)
	mustSend(t, m, firstMail())
	ack := waitTo(t, rcv, accAna, 1)[0]
	if !strings.HasPrefix(ack.From, "support+bounce-") {
		t.Fatalf("the acknowledgement's return path %q is not a VERP address", ack.From)
	}
	if err := send(t, m.SMTPAddr.String(), "", []string{ack.From}, accDSN(ack.From, accAna, "", "accdsn1@mx.cliente.es")); err != nil {
		t.Fatalf("send the DSN: %v", err)
	}
	waitFor(t, "the acknowledgement marked bounced", func() bool {
		r := accAckRow(t, m, 1)
		return r.State == "failed" && strings.Contains(r.LastError, "bounced")
	})
	if cs := listCases(t, m); len(cs) != 1 {
		t.Fatalf("the DSN opened a case: %d cases", len(cs))
	}
	var listed bool
	for _, s := range accSuppressions(t, m) {
		listed = listed || s.Address == accAna && s.Case == 1
	}
	if !listed {
		t.Fatalf("suppressions list --json does not list %s after a 5.1.1 bounce: %+v", accAna, accSuppressions(t, m))
	}

	// A new case from the suppressed address: filed, but not acknowledged.
	mustSend(t, m, mail{From: customer, To: "support@example.com", Subject: "Factura de noviembre duplicada",
		MessageID: "acc-second@cliente.es", Body: "Nos han cobrado dos veces la factura de noviembre."})
	waitFor(t, "case #2's acknowledgement refused", func() bool {
		r := accAckRow(t, m, 2)
		return (r.State == "failed" || r.State == "canceled") && strings.Contains(r.LastError, "suppressed")
	})
	time.Sleep(300 * time.Millisecond) // give a wrong delivery time to happen
	if got := accSubjects(rcv, accAna); len(got) != 1 {
		t.Fatalf("a suppressed address was mailed: it received %q", got)
	}

	cli(t, m, "suppressions", "clear", accAna)
	if list := accSuppressions(t, m); len(list) != 0 {
		t.Fatalf("after suppressions clear: %+v", list)
	}
	mustSend(t, m, mail{From: customer, To: "support@example.com", Subject: "Cambio de contacto técnico",
		MessageID: "acc-third@cliente.es", Body: "El nuevo contacto técnico es Pedro."})
	got := waitTo(t, rcv, accAna, 2)
	if s := decodeHeader(got[1].Msg.Header.Get("Subject")); !strings.HasPrefix(s, "[Case #3]") {
		t.Errorf("after the address was cleared the customer got %q, want case #3's acknowledgement", s)
	}
	waitFor(t, "case #3's acknowledgement sent", func() bool { return accAckRow(t, m, 3).State == "sent" })
	time.Sleep(200 * time.Millisecond)
	for _, s := range accSubjects(rcv, accAna) {
		if strings.HasPrefix(s, "[Case #2]") {
			t.Errorf("case #2's acknowledgement, refused while suppressed, was sent later: %q", s)
		}
	}
}

// TestAccBounceLinkedByReturnedMessageID: a DSN to the plain support
// address (no VERP token, as from an MTA that rewrites the return path)
// is linked to our message by the Message-ID in its returned headers: the
// delivery is marked failed, the DSN is filed in that case, no case is
// opened and nothing answers it.
func TestAccBounceLinkedByReturnedMessageID(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, monday10)
	mustSend(t, m, firstMail())
	ack := waitMessages(t, rcv, 1)[0]
	dsn := accDSN("support@example.com", accAna, msgID(ack), "accdsn2@mx.cliente.es")
	if err := send(t, m.SMTPAddr.String(), "", []string{"support@example.com"}, dsn); err != nil {
		t.Fatalf("send the DSN: %v", err)
	}
	waitFor(t, "the acknowledgement marked bounced", func() bool {
		r := accAckRow(t, m, 1)
		return r.State == "failed" && strings.Contains(r.LastError, "bounced")
	})
	if cs := listCases(t, m); len(cs) != 1 {
		t.Fatalf("the DSN opened a case: cases list shows %d cases", len(cs))
	}
	if !containsID(showCase(t, m, 1).Messages, "accdsn2@mx.cliente.es") {
		t.Error("the DSN is not filed in case #1")
	}
	if rows := outbox(t, m); len(rows) != 1 {
		t.Errorf("the DSN queued mail: outbox %+v", rows)
	}
	clk.Advance(time.Hour)
	settle(t, clk, rcv, 1) // nothing acknowledged the DSN
}

// accKeys fails for each of keys missing from obj.
func accKeys(t *testing.T, what string, obj map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: no %q field in %v", what, k, obj)
		}
	}
}

// accTime fails unless obj[key] is an RFC 3339 time.
func accTime(t *testing.T, what string, obj map[string]any, key string) {
	t.Helper()
	s, ok := obj[key].(string)
	if _, err := time.Parse(time.RFC3339Nano, s); !ok || err != nil {
		t.Errorf("%s: %q = %v, want an RFC 3339 time", what, key, obj[key])
	}
}

func accOneOf(t *testing.T, what string, obj map[string]any, key string, allowed ...string) {
	t.Helper()
	s, _ := obj[key].(string)
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	t.Errorf("%s: %q = %v, want one of %v", what, key, obj[key], allowed)
}

func accDecode(t *testing.T, m *Main, into any, args ...string) {
	t.Helper()
	out := cli(t, m, args...)
	if err := json.Unmarshal([]byte(out), into); err != nil {
		t.Fatalf("casemail %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAccJSONContract reads the JSON of the command line as a script
// would, into generic maps, and checks the field names and value forms
// README's "Command line and JSON" and "The outbox" sections promise.
func TestAccJSONContract(t *testing.T) {
	m, _, rcv := mailOutDaemon(t, monday10)
	mustSend(t, m, firstMail())
	ack := waitMessages(t, rcv, 1)[0]
	// A reply with no Message-ID joins case #1 with a note saying so.
	noID := mail{From: customer, To: "support@example.com", Subject: "Re: [Case #1] No puedo acceder al panel",
		InReplyTo: msgID(ack), Body: "Sigue igual."}
	mustSend(t, m, noID)
	// Mail with no sender at all goes to quarantine.
	if err := send(t, m.SMTPAddr.String(), "", []string{"support@example.com"},
		[]byte("To: support@example.com\r\nSubject: nobody wrote this\r\n\r\nhola\r\n")); err != nil {
		t.Fatal(err)
	}

	caseFields := []string{"number", "subject", "status", "kind", "customer", "customer_name", "message_count", "participants", "created", "updated"}
	statuses := []string{"new", "open", "waiting", "resolution_proposed", "resolved"}
	kinds := []string{"problem", "configuration", "information"}
	checkCase := func(what string, c map[string]any) {
		t.Helper()
		accKeys(t, what, c, caseFields...)
		accOneOf(t, what, c, "status", statuses...)
		accOneOf(t, what, c, "kind", kinds...)
		accTime(t, what, c, "created")
		accTime(t, what, c, "updated")
		if n, _ := c["number"].(float64); n != 1 {
			t.Errorf("%s: number = %v, want 1", what, c["number"])
		}
		if c["customer"] != accAna || c["customer_name"] != "Ana García" {
			t.Errorf("%s: customer %v (%v), want %s (Ana García)", what, c["customer"], c["customer_name"], accAna)
		}
		if n, _ := c["message_count"].(float64); n != 3 {
			t.Errorf("%s: message_count = %v, want 3", what, c["message_count"])
		}
		if p, ok := c["participants"].([]any); !ok || len(p) == 0 {
			t.Errorf("%s: participants = %v, want an array", what, c["participants"])
		}
	}

	var cases []map[string]any
	accDecode(t, m, &cases, "cases", "list", "--json")
	if len(cases) != 1 {
		t.Fatalf("cases list --json: %d cases, want 1", len(cases))
	}
	checkCase("cases list --json", cases[0])

	var detail map[string]any
	accDecode(t, m, &detail, "cases", "show", "1", "--json")
	checkCase("cases show 1 --json", detail)
	msgs, ok := detail["messages"].([]any)
	if !ok || len(msgs) != 3 {
		t.Fatalf("cases show 1 --json: messages = %v, want an array of 3", detail["messages"])
	}
	var noted bool
	for i, x := range msgs {
		what := fmt.Sprintf("cases show 1 --json: messages[%d]", i)
		msg, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("%s is %T", what, x)
		}
		// README lists notes too, but the API leaves it out when there
		// are none; it is checked below on the message that has one.
		accKeys(t, what, msg, "seq", "message_id", "direction", "from", "from_name", "date", "received_at", "subject", "text", "attachments")
		accOneOf(t, what, msg, "direction", "inbound", "outbound")
		accTime(t, what, msg, "date")
		accTime(t, what, msg, "received_at")
		if id, _ := msg["message_id"].(string); id == "" || strings.ContainsAny(id, "<>") {
			t.Errorf("%s: message_id %q, want it without angle brackets", what, id)
		}
		if _, ok := msg["attachments"].([]any); !ok {
			t.Errorf("%s: attachments = %v, want an array", what, msg["attachments"])
		}
		if notes, ok := msg["notes"].([]any); ok && strings.Contains(fmt.Sprint(notes), "no Message-ID") {
			noted = true
		}
	}
	if seq, _ := msgs[0].(map[string]any)["seq"].(float64); seq != 1 {
		t.Errorf("messages are not in arrival order: first seq %v", seq)
	}
	if first := msgs[0].(map[string]any); first["message_id"] != "first@cliente.es" || first["direction"] != "inbound" ||
		!strings.Contains(fmt.Sprint(first["text"]), "error 500") {
		t.Errorf("the customer's first message reads %v", first)
	}
	if !noted {
		t.Errorf("no message has a \"notes\" array with the missing Message-ID note: %v", msgs)
	}

	var rows []map[string]any
	accDecode(t, m, &rows, "outbox", "list", "--all", "--json")
	if len(rows) != 1 {
		t.Fatalf("outbox list --all --json: %d rows, want the acknowledgement", len(rows))
	}
	accKeys(t, "outbox list --all --json", rows[0], "id", "case", "kind", "state", "to", "due", "created", "attempts", "last_error", "message_id", "history")
	accOneOf(t, "outbox list --all --json", rows[0], "kind", "ack", "response", "update", "notice")
	accOneOf(t, "outbox list --all --json", rows[0], "state", "held", "queued", "sending", "deferred", "sent", "failed", "canceled")
	accTime(t, "outbox list --all --json", rows[0], "due")
	accTime(t, "outbox list --all --json", rows[0], "created")
	if rows[0]["kind"] != "ack" || rows[0]["state"] != "sent" || rows[0]["to"] != accAna || rows[0]["message_id"] != msgID(ack) {
		t.Errorf("outbox row %v, want the sent acknowledgement to %s with Message-ID %s", rows[0], accAna, msgID(ack))
	}
	if h, ok := rows[0]["history"].([]any); !ok || len(h) != 1 {
		t.Errorf("outbox history = %v, want one attempt", rows[0]["history"])
	}

	var qs []map[string]any
	accDecode(t, m, &qs, "quarantine", "list", "--json")
	if len(qs) != 1 {
		t.Fatalf("quarantine list --json: %d entries, want 1", len(qs))
	}
	accKeys(t, "quarantine list --json", qs[0], "id", "reason", "received_at", "mail_from", "rcpts", "from", "subject", "message_id", "size")
	accTime(t, "quarantine list --json", qs[0], "received_at")
	if qs[0]["subject"] != "nobody wrote this" || !strings.Contains(fmt.Sprint(qs[0]["reason"]), "sender") {
		t.Errorf("quarantine entry %v", qs[0])
	}
	if r, ok := qs[0]["rcpts"].([]any); !ok || len(r) != 1 || r[0] != "support@example.com" {
		t.Errorf("quarantine rcpts = %v", qs[0]["rcpts"])
	}
	if n, _ := qs[0]["size"].(float64); n <= 0 {
		t.Errorf("quarantine size = %v", qs[0]["size"])
	}
}

// TestAccOutboxRetryDelivers: the customer's server refuses the
// acknowledgement (550), the row fails; once the server accepts again an
// operator's `outbox retry` delivers it, once, and the row is sent.
func TestAccOutboxRetryDelivers(t *testing.T) {
	m, clk, rcv := mailOutDaemon(t, monday10)
	rcv.failFor(accAna, 550)
	mustSend(t, m, firstMail())
	var ack admin.OutboxView
	waitFor(t, "the acknowledgement failed", func() bool {
		ack = accAckRow(t, m, 1)
		return ack.State == "failed"
	})
	if ack.Attempts != 1 || !strings.Contains(ack.LastError, "550") {
		t.Errorf("failed row %+v, want one attempt and the 550", ack)
	}
	time.Sleep(100 * time.Millisecond)
	if got := to(rcv, accAna); len(got) != 0 {
		t.Fatalf("the refused acknowledgement was delivered: %d messages", len(got))
	}

	accAccept(rcv, accAna)
	var queued admin.OutboxView
	accDecode(t, m, &queued, "outbox", "retry", fmt.Sprint(ack.ID), "--json")
	if queued.ID != ack.ID || queued.State != "queued" {
		t.Errorf("outbox retry answered %+v, want row %d queued", queued, ack.ID)
	}
	got := waitTo(t, rcv, accAna, 1)[0]
	if msgID(got) != ack.MessageID {
		t.Errorf("delivered Message-ID %s, want the acknowledgement's %s", msgID(got), ack.MessageID)
	}
	waitFor(t, "the row sent", func() bool { return accAckRow(t, m, 1).State == "sent" })
	clk.Advance(6 * time.Hour) // past every retry time: nothing more may leave
	time.Sleep(300 * time.Millisecond)
	if got := to(rcv, accAna); len(got) != 1 {
		t.Fatalf("the retried acknowledgement was delivered %d times, want once", len(got))
	}
	row := accAckRow(t, m, 1)
	if row.State != "sent" || row.Attempts != 2 || len(row.History) != 2 || row.History[1].Result != "sent" {
		t.Errorf("row after the retry: %+v", row)
	}
}
