package bounce

import "strings"

// classifyReport reads the machine-readable reports: a delivery-status
// part (RFC 3464) makes a Bounce, a feedback-report part (RFC 5965) makes
// Feedback, and a disposition-notification (RFC 8098, a read receipt) is
// an automatic answer to our mail, so an AutoReply.
func classifyReport(m *message) (Report, bool) {
	var dsn, arf, mdn *entity
	walk(m.root, func(e *entity) {
		switch e.mediaType {
		case "message/delivery-status", "message/global-delivery-status":
			if dsn == nil {
				dsn = e
			}
		case "message/feedback-report":
			if arf == nil {
				arf = e
			}
		case "message/disposition-notification", "message/global-disposition-notification":
			if mdn == nil {
				mdn = e
			}
		}
	})
	if dsn == nil && arf == nil && mdn == nil && m.root.mediaType == "multipart/report" {
		// A report whose status part is mislabelled (text/plain is common)
		// still says what it is in report-type.
		switch strings.ToLower(m.root.params["report-type"]) {
		case "delivery-status":
			dsn = statusLikePart(m.root)
		case "feedback-report":
			arf = statusLikePart(m.root)
		}
	}
	switch {
	case arf != nil:
		r := Report{Kind: Feedback, OriginalMessageID: returnedID(m)}
		if f := strings.Fields(fieldsOf(arf).get("feedback-type")); len(f) > 0 {
			r.FeedbackType = strings.ToLower(f[0])
		}
		return r, true
	case dsn != nil:
		return dsnReport(m, dsn), true
	case mdn != nil:
		return Report{Kind: AutoReply, OriginalMessageID: firstMsgID(fieldsOf(mdn).get("original-message-id"))}, true
	}
	return Report{}, false
}

// statusLikePart returns the second part of a report, where RFC 6522 puts
// the machine-readable status, or nil.
func statusLikePart(root *entity) *entity {
	if len(root.parts) >= 2 && root.parts[1].inner == nil {
		return root.parts[1]
	}
	return nil
}

// walk calls fn for e and every part below it, but not for the message a
// message/rfc822 part returns: a returned message may itself be a bounce.
func walk(e *entity, fn func(*entity)) {
	if e == nil {
		return
	}
	fn(e)
	for _, p := range e.parts {
		walk(p, fn)
	}
}

// returnedID finds the Message-ID of the returned message: its own part
// first, then the headers quoted in the text of the bounce.
func returnedID(m *message) string {
	var id string
	walk(m.root, func(e *entity) {
		if id == "" && e.inner != nil {
			id = firstMsgID(e.inner.h.get("message-id"))
		}
	})
	if id == "" {
		id = quotedMessageID(m)
	}
	return id
}
