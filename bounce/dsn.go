package bounce

import (
	"strings"
	"unicode/utf8"
)

// dsnReport builds the Report of a message with a delivery-status part.
func dsnReport(m *message, dsn *entity) Report {
	r := Report{Kind: Bounce, OriginalMessageID: returnedID(m)}
	groups := fieldGroups(string(dsn.body))
	if r.OriginalMessageID == "" {
		// Gmail names the returned message in the per-message fields.
		r.OriginalMessageID = firstMsgID(fieldsOf(dsn).get("x-original-message-id"))
	}
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
	var all []string
	for _, g := range groups {
		all = append(all, dsnAddr(g.get("final-recipient")), dsnAddr(g.get("original-recipient")))
	}
	var out []Failure
	seen := map[string]bool{}
	for _, g := range groups {
		if f, ok := dsnFailure(m.errorText(), g, all); ok && !seen[f.Recipient] {
			seen[f.Recipient] = true
			out = append(out, f)
		}
	}
	return out
}

// dsnFailure reads one per-recipient block. text is the prose of the
// bounce, all the recipients the report names: some MTAs leave the fields
// thin and explain in the prose, so the prose about this recipient fills
// what the fields lack.
func dsnFailure(text string, g header, all []string) (Failure, bool) {
	rcpt, final := dsnAddr(g.get("original-recipient")), dsnAddr(g.get("final-recipient"))
	if rcpt == "" || isDaemonAddr(rcpt) {
		rcpt = final
	}
	if rcpt == "" {
		rcpt = dsnAddr(g.get("x-actual-recipient"))
	}
	if rcpt == "" {
		return Failure{}, false
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
	if succeeded(action) {
		return Failure{}, false
	}
	about := textAbout(text, rcpt, all)
	if about == "" && final != "" {
		about = textAbout(text, final, all)
	}
	if diag == "" {
		diag = about
	}
	// A generic status (5.0.0) gives way to a specific one in the
	// diagnostic, or failing that in the prose.
	for _, src := range []string{diag, about} {
		if s := findStatus(src); s != "" && (f.Status == "" || strings.HasSuffix(f.Status, ".0.0") && s[0] == f.Status[0]) {
			f.Status = s
			break
		}
	}
	if f.Code == 0 {
		f.Code = findCode(about)
	}
	f.Diagnostic = oneLine(stripDiagType(diag))
	// A local delivery program that failed (x-unix) is a mailer error,
	// whatever it printed.
	mailer := strings.HasPrefix(strings.ToLower(diag), "x-unix")
	f.Hard = action != "delayed" && !mailer && isHardCmd(f.Status, f.Code, diag, smtpCommand(diag+" "+about))
	return f, true
}

// succeeded reports whether an Action says the recipient got the message
// (RFC 3464 section 2.3.3; "deliverable" is what some write).
func succeeded(action string) bool {
	switch action {
	case "delivered", "deliverable", "relayed", "expanded":
		return true
	}
	return false
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
		switch action := strings.ToLower(strings.TrimSpace(g.get("action"))); {
		case succeeded(action):
			n++
		case action != "":
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
	if len(body) > maxText {
		body = body[:maxText]
	}
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
		cut := 400
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
