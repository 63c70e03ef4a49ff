package bounce

import (
	"strings"
)

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
		for _, g := range fieldGroups(string(arf.body)) {
			if v := g.get("feedback-type"); v != "" && r.FeedbackType == "" {
				r.FeedbackType = strings.ToLower(strings.Fields(v)[0])
			}
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

// dsnReport builds the Report of a message with a delivery-status part.
func dsnReport(m *message, dsn *entity) Report {
	r := Report{Kind: Bounce, OriginalMessageID: returnedID(m)}
	groups := fieldGroups(string(dsn.body))
	r.Recipients = dsnFailures(m, groups)
	if len(r.Recipients) == 0 && !onlyDelivered(groups) {
		// A DSN with no usable recipient fields: read the prose instead.
		r.Recipients = textFailures(m)
	}
	return r
}

// dsnFailures turns the per-recipient fields of a delivery-status report
// into Failures. Recipients whose Action is delivered, relayed or expanded
// did not fail and are left out.
func dsnFailures(m *message, groups []header) []Failure {
	var out []Failure
	seen := map[string]bool{}
	text := m.errorText()
	for _, g := range groups {
		rcpt := dsnAddr(g.get("original-recipient"))
		if final := dsnAddr(g.get("final-recipient")); rcpt == "" || isDaemonAddr(rcpt) {
			rcpt = final
		}
		if rcpt == "" {
			rcpt = dsnAddr(g.get("x-actual-recipient"))
		}
		if rcpt == "" || seen[rcpt] {
			continue
		}
		f := Failure{Recipient: rcpt, Status: findStatus(g.get("status"))}
		diag := g.get("diagnostic-code")
		f.Code = findCode(stripDiagType(diag))
		action := strings.ToLower(strings.TrimSpace(g.get("action")))
		if i := strings.IndexAny(action, " ;("); i >= 0 {
			action = action[:i]
		}
		if action == "" {
			action = actionOf(f.Status, f.Code)
		}
		switch action {
		case "delivered", "relayed", "expanded":
			continue
		}
		if diag == "" || f.Status == "" || f.Code == 0 {
			// Some MTAs leave the fields thin and explain in the text.
			extra := textAbout(text, rcpt)
			if diag == "" {
				diag = extra
			}
			if s := findStatus(extra); s != "" && (f.Status == "" || strings.HasSuffix(f.Status, ".0.0")) {
				f.Status = s
			}
			if f.Code == 0 {
				f.Code = findCode(extra)
			}
		}
		seen[rcpt] = true
		f.Diagnostic = oneLine(stripDiagType(diag))
		// A generic status (5.0.0) with a specific one in the diagnostic
		// takes the specific one.
		if s := findStatus(diag); s != "" && s[0] == f.Status[0] && strings.HasSuffix(f.Status, ".0.0") {
			f.Status = s
		}
		cmd := smtpCommand(diag + " " + textAbout(text, rcpt))
		// A local delivery program that failed (x-unix) is a mailer error,
		// whatever it printed.
		mailer := strings.HasPrefix(strings.ToLower(diag), "x-unix")
		f.Hard = action != "delayed" && !mailer && isHardCmd(f.Status, f.Code, diag, cmd)
		out = append(out, f)
	}
	return out
}

// hasRecipientFields reports whether some group names a recipient.
func hasRecipientFields(groups []header) bool {
	for _, g := range groups {
		if g.has("final-recipient") || g.has("original-recipient") {
			return true
		}
	}
	return false
}

// onlyDelivered reports whether the DSN names recipients and all of them
// were delivered, relayed or expanded.
func onlyDelivered(groups []header) bool {
	n := 0
	for _, g := range groups {
		switch strings.ToLower(strings.TrimSpace(g.get("action"))) {
		case "delivered", "relayed", "expanded":
			n++
		case "":
		default:
			return false
		}
	}
	return n > 0
}

// actionOf infers a missing Action from the status class.
func actionOf(status string, code int) string {
	switch {
	case strings.HasPrefix(status, "2"), status == "" && code/100 == 2:
		return "delivered"
	case strings.HasPrefix(status, "4"), status == "" && code/100 == 4:
		return "delayed"
	}
	return "failed"
}

// dsnAddr takes the address out of an address field ("rfc822; a@b").
func dsnAddr(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = after
	}
	return firstAddr(v)
}

// stripDiagType removes the diagnostic type ("smtp;") of Diagnostic-Code.
func stripDiagType(v string) string {
	if i := strings.IndexByte(v, ';'); i > 0 && i < 12 && !strings.ContainsAny(v[:i], " <@") {
		return strings.TrimSpace(v[i+1:])
	}
	return strings.TrimSpace(v)
}

// fieldsOf parses an entity's body as one block of fields.
func fieldsOf(e *entity) header {
	var all header
	for _, g := range fieldGroups(string(e.body)) {
		all = append(all, g...)
	}
	return all
}

// fieldGroups parses the blank-line separated blocks of fields of a
// delivery-status or feedback-report body. A block that names a second
// Final-Recipient is split there: some MTAs forget the blank lines.
func fieldGroups(body string) []header {
	var groups []header
	var cur header
	endGroup := func() {
		if len(cur) > 0 {
			groups = append(groups, cur)
		}
		cur = nil
	}
	for n, line := range strings.Split(body, "\n") {
		if n > 2000 || len(groups) > maxParts {
			break
		}
		if strings.TrimSpace(line) == "" {
			endGroup()
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(cur) > 0 {
			cur[len(cur)-1].value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isFieldLine([]byte(line)) {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "final-recipient" && cur.has("final-recipient") ||
			name == "original-recipient" && cur.has("final-recipient") && cur.has("original-recipient") {
			endGroup()
		}
		cur = append(cur, field{name, strings.TrimSpace(value)})
	}
	endGroup()
	return groups
}

// oneLine collapses whitespace and caps the length of a diagnostic.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400]
		for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
			s = s[:len(s)-1]
		}
	}
	return s
}
