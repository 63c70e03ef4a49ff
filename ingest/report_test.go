package ingest

import (
	"context"
	"testing"

	"github.com/casemail/casemail/bounce"
	"github.com/casemail/casemail/store"
	"github.com/casemail/casemail/support"
)

// TestDeliveryReportIsNotLeftPending: a delivery report found by its
// returned Message-ID (no VERP, no In-Reply-To) is filed without a sender
// check, and is not shown as waiting for one.
func TestDeliveryReportIsNotLeftPending(t *testing.T) {
	in, st := newIngester(t)
	in.opt.Auth = func(context.Context, []byte, support.Envelope) *support.AuthResults {
		return &support.AuthResults{DMARC: "pass"}
	}
	first := deliver(t, in, "From: ana@cliente.es\nSubject: x\nMessage-ID: <first@cliente.es>\n\nhola\n")
	err := st.Write(func(tx *store.Tx) error {
		return tx.Enqueue(&support.Outbound{Case: first.Case, Kind: support.OutAck, State: support.OutSent, MessageID: "ack1@example.com"})
	})
	if err != nil {
		t.Fatal(err)
	}
	in.opt.Bounced = func(tx *store.Tx, id uint64, _ bool, m *support.Message, rep bounce.Report) (uint64, error) {
		return first.Case, nil
	}
	dsn := "From: MAILER-DAEMON@mx.cliente.es\nTo: support@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn1@mx>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n" +
		"--b\nContent-Type: text/plain\n\nfailed\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n" +
		"Final-Recipient: rfc822; ana@cliente.es\nAction: failed\nStatus: 5.1.1\n\n" +
		"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <ack1@example.com>\nSubject: x\n\n--b--\n"
	d := deliver(t, in, dsn)
	if d.Reason != "bounce" {
		t.Fatalf("delivery %+v", d)
	}
	_, ms, _ := st.Case(first.Case)
	r := ms[len(ms)-1]
	left, _ := st.Unverified(10)
	marked := false
	for _, u := range left {
		marked = marked || u.Seq == r.Seq
	}
	if r.AuthPending && !marked {
		t.Errorf("the delivery report is auth_pending but nothing will ever check it")
	}
}
