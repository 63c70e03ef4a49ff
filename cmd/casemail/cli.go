package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/casemail/casemail/admin"
)

func client(f *flags, stderr io.Writer) (*admin.Client, bool) {
	cfg, err := f.load()
	if err != nil {
		fmt.Fprintf(stderr, "casemail: configuration:\n%v\n", err)
		return nil, false
	}
	return &admin.Client{Addr: cfg.Admin.Listen, Token: cfg.Admin.Token}, true
}

const casesUsage = `usage: casemail cases list [--json]
       casemail cases show N [--json]
       casemail cases reply N --from AGENT@DOMAIN [--name NAME] [--update] [--now] [--text TEXT | < file]
`

func cmdCases(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newFlags("cases", true, stderr)
	var req admin.ReplyRequest
	f.fs.StringVar(&req.From, "from", "", "reply: the agent's address")
	f.fs.StringVar(&req.Name, "name", "", "reply: the agent's name")
	f.fs.StringVar(&req.Text, "text", "", "reply: the text (default: standard input)")
	f.fs.BoolVar(&req.Update, "update", false, "reply: a progress update rather than a response")
	f.fs.BoolVar(&req.Now, "now", false, "reply: send at once, outside business hours")
	pos, err := f.parse(args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 || (pos[0] != "list" && len(pos) != 2) || (pos[0] == "list" && len(pos) != 1) {
		fmt.Fprint(stderr, casesUsage)
		return 2
	}
	c, ok := client(f, stderr)
	if !ok {
		return 1
	}
	switch pos[0] {
	case "reply":
		return cmdCasesReply(ctx, f, c, pos, stdinReader, stdout, stderr, req)
	case "list":
		cases, err := c.Cases(ctx)
		if err != nil {
			return fail(stderr, err)
		}
		if f.json {
			return printJSON(stdout, cases)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CASE\tSTATUS\tKIND\tMSGS\tCUSTOMER\tUPDATED\tSUBJECT")
		for _, cs := range cases {
			fmt.Fprintf(tw, "#%d\t%s\t%s\t%d\t%s\t%s\t%s\n", cs.Number, cs.Status, cs.Kind, cs.MessageCount,
				cs.Customer, cs.Updated.Local().Format("2006-01-02 15:04"), oneLine(cs.Subject, 60))
		}
		tw.Flush()
		return 0
	case "show":
		n, err := strconv.ParseUint(strings.TrimPrefix(pos[1], "#"), 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "casemail: %q is not a case number\n", pos[1])
			return 2
		}
		d, err := c.Case(ctx, n)
		if err != nil {
			return fail(stderr, err)
		}
		if f.json {
			return printJSON(stdout, d)
		}
		printCase(stdout, d)
		return 0
	}
	fmt.Fprintf(stderr, "casemail: unknown cases command %q\n", pos[0])
	return 2
}

func printCase(w io.Writer, d *admin.CaseDetail) {
	fmt.Fprintf(w, "Case #%d: %s\n", d.Number, d.Subject)
	fmt.Fprintf(w, "Status: %s   Kind: %s   Messages: %d\n", d.Status, d.Kind, d.MessageCount)
	fmt.Fprintf(w, "Customer: %s\n", formatAddr(d.CustomerName, d.Customer))
	assignee := d.Assignee
	if assignee == "" {
		assignee = "(unassigned)"
	}
	fmt.Fprintf(w, "Assignee: %s\n", assignee)
	if d.Account != "" {
		fmt.Fprintf(w, "Account: %s (%s)", d.Account, d.Tier)
		if d.TAM != "" {
			fmt.Fprintf(w, "   TAM: %s", d.TAM)
		}
		fmt.Fprintln(w)
	}
	for _, due := range d.SLA {
		fmt.Fprintf(w, "SLA %s due: %s\n", strings.ReplaceAll(due.Clock, "_", " "), due.At.Local().Format("2006-01-02 15:04"))
	}
	for _, l := range d.Linked {
		fmt.Fprintf(w, "Continues case #%d\n", l)
	}
	fmt.Fprintf(w, "Participants: %s\n", strings.Join(d.Participants, ", "))
	fmt.Fprintf(w, "Opened: %s   Updated: %s\n", d.Created.Local().Format("2006-01-02 15:04"), d.Updated.Local().Format("2006-01-02 15:04"))
	for _, m := range d.Messages {
		fmt.Fprintf(w, "\n--- %s · %s · %s · %s  %s  <%s>\n", m.Direction, m.Author, m.Visibility,
			formatAddr(m.FromName, m.From), m.Date.Local().Format("2006-01-02 15:04"), m.MessageID)
		fmt.Fprintf(w, "Subject: %s\n", m.Subject)
		if a := m.Auth; a != nil {
			fmt.Fprintf(w, "Sender: spf=%s dkim=%s dmarc=%s (%s)\n", orNone(a.SPF), orNone(a.DKIM), orNone(a.DMARC), a.Source)
		} else if m.AuthPending {
			fmt.Fprintln(w, "Sender: check pending")
		}
		if len(m.Attachments) > 0 {
			fmt.Fprintf(w, "Attachments: %s\n", strings.Join(m.Attachments, ", "))
		}
		for _, n := range m.Notes {
			fmt.Fprintf(w, "Note: %s\n", n)
		}
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(m.Text))
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func cmdQuarantine(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newFlags("quarantine", true, stderr)
	pos, err := f.parse(args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || pos[0] != "list" {
		fmt.Fprint(stderr, "usage: casemail quarantine list [--json]\n")
		return 2
	}
	c, ok := client(f, stderr)
	if !ok {
		return 1
	}
	qs, err := c.Quarantine(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	if f.json {
		return printJSON(stdout, qs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED\tSIZE\tFROM\tREASON")
	for _, q := range qs {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", q.ID, q.ReceivedAt.Local().Format("2006-01-02 15:04"), q.Size, q.MailFrom, oneLine(q.Reason, 70))
	}
	tw.Flush()
	return 0
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "casemail: %v\n", err)
	return 1
}

func formatAddr(name, addr string) string {
	if name == "" {
		return addr
	}
	return name + " <" + addr + ">"
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
