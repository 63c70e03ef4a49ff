package bounce

import (
	"encoding/json"
	"strings"
)

// classifyFeedback recognises complaint reports that do not follow RFC
// 5965: Hotmail's "complaint about message from" wrapping the message as
// message/rfc822, and Apple Mail's one-click unsubscribe request.
func classifyFeedback(m *message) (Report, bool) {
	h := m.root.h
	if strings.EqualFold(strings.TrimSpace(h.get("x-apple-unsubscribe")), "true") {
		return Report{Kind: Feedback, FeedbackType: "opt-out", OriginalMessageID: m.inReplyTo()}, true
	}
	if strings.HasPrefix(m.subject, "complaint about message from") && hasInner(m.root) {
		return Report{Kind: Feedback, FeedbackType: "abuse", OriginalMessageID: returnedID(m)}, true
	}
	return Report{}, false
}

// hasInner reports whether e carries a message or its header as a part.
func hasInner(e *entity) bool {
	found := false
	walk(e, func(p *entity) { found = found || p.inner != nil })
	return found
}

// sesNotice is the JSON that Amazon SES sends, through SNS, about a
// bounce, a complaint or a delivery.
type sesNotice struct {
	Type             string // "Notification" when SNS wraps the notice
	Message          string
	NotificationType string `json:"notificationType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Mail struct {
		CommonHeaders struct {
			MessageID string `json:"messageId"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

// classifySES reads an Amazon SES notification (plain JSON in the body).
// Its bounce type says whether the failure is permanent; the address
// verdict still comes from the status and diagnostic, as for any bounce.
func classifySES(m *message) (Report, bool) {
	if !strings.Contains(m.from, "amazonaws.com") && !strings.Contains(m.from, "amazonses.com") {
		return Report{}, false
	}
	// Sendmail breaks the long JSON line with "!" and a folded line.
	text := strings.ReplaceAll(m.fullText(), "!\n ", "")
	i := strings.IndexByte(text, '{')
	if i < 0 {
		return Report{}, false
	}
	var n sesNotice
	if json.NewDecoder(strings.NewReader(text[i:])).Decode(&n) != nil {
		return Report{}, false
	}
	if n.Type == "Notification" && n.Message != "" {
		inner := n
		if json.Unmarshal([]byte(n.Message), &inner) != nil {
			return Report{}, false
		}
		n = inner
	}
	r := Report{OriginalMessageID: firstMsgID(n.Mail.CommonHeaders.MessageID)}
	switch n.NotificationType {
	case "Complaint":
		r.Kind, r.FeedbackType = Feedback, strings.ToLower(n.Complaint.ComplaintFeedbackType)
		if r.FeedbackType == "" {
			r.FeedbackType = "abuse"
		}
	case "Delivery":
		r.Kind = Bounce
	case "Bounce":
		r.Kind = Bounce
		for _, b := range n.Bounce.BouncedRecipients {
			addr := firstAddr(b.EmailAddress)
			if addr == "" {
				continue
			}
			f := Failure{Recipient: addr, Status: findStatus(b.Status), Code: findCode(stripDiagType(b.DiagnosticCode))}
			f.Diagnostic = oneLine(stripDiagType(b.DiagnosticCode))
			f.Hard = n.Bounce.BounceType != "Transient" && isHard(f.Status, f.Code, b.DiagnosticCode)
			r.Recipients = append(r.Recipients, f)
		}
	default:
		return Report{}, false
	}
	return r, true
}
