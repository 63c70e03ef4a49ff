package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/casemail/casemail/admin"
)

func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newFlags("outbox", true, stderr)
	all := f.fs.Bool("all", false, "include sent, failed and canceled messages")
	pos, err := f.parse(args)
	if err != nil {
		return 2
	}
	usage := "usage: casemail outbox list [--all] [--json] | casemail outbox send-now|retry|cancel ID\n"
	if len(pos) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	c, ok := client(f, stderr)
	if !ok {
		return 1
	}
	switch pos[0] {
	case "list":
		rows, err := c.Outbox(ctx, *all)
		if err != nil {
			return fail(stderr, err)
		}
		if f.json {
			return printJSON(stdout, rows)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATE\tDUE\tCASE\tKIND\tTO\tATTEMPTS\tLAST ERROR")
		for _, r := range rows {
			fmt.Fprintf(tw, "%d\t%s\t%s\t#%d\t%s\t%s\t%d\t%s\n", r.ID, r.State, r.Due.Local().Format("2006-01-02 15:04"),
				r.Case, r.Kind, r.To, r.Attempts, oneLine(r.LastError, 60))
		}
		tw.Flush()
		return 0
	case "send-now", "retry", "cancel":
		if len(pos) != 2 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		id, err := strconv.ParseUint(pos[1], 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "casemail: %q is not an outbox id\n", pos[1])
			return 2
		}
		row, err := c.OutboxControl(ctx, id, pos[0])
		if err != nil {
			return fail(stderr, err)
		}
		if f.json {
			return printJSON(stdout, row)
		}
		fmt.Fprintf(stdout, "outbox %d: %s, due %s\n", row.ID, row.State, row.Due.Local().Format("2006-01-02 15:04"))
		return 0
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// cmdCasesReply relays an agent's text (from --text or standard input) to
// the customer of a case, as a response or, with --update, a progress
// update.
func cmdCasesReply(ctx context.Context, f *flags, c *admin.Client, pos []string, stdin io.Reader, stdout, stderr io.Writer, req admin.ReplyRequest) int {
	n, err := strconv.ParseUint(strings.TrimPrefix(pos[1], "#"), 10, 64)
	if err != nil {
		fmt.Fprintf(stderr, "casemail: %q is not a case number\n", pos[1])
		return 2
	}
	if req.Text == "" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return fail(stderr, err)
		}
		req.Text = string(b)
	}
	row, err := c.Reply(ctx, n, req)
	if err != nil {
		return fail(stderr, err)
	}
	if f.json {
		return printJSON(stdout, row)
	}
	fmt.Fprintf(stdout, "case #%d: %s queued as outbox %d (%s, due %s)\n", n, row.Kind, row.ID, row.State, row.Due.Local().Format("2006-01-02 15:04"))
	return 0
}

var stdinReader io.Reader = os.Stdin

// cmdSuppressions lists the addresses that hard-bounced, and clears one so
// mail goes to it again.
func cmdSuppressions(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newFlags("suppressions", true, stderr)
	pos, err := f.parse(args)
	if err != nil {
		return 2
	}
	if len(pos) == 0 || (pos[0] == "list" && len(pos) != 1) || (pos[0] == "clear" && len(pos) != 2) {
		fmt.Fprint(stderr, "usage: casemail suppressions list [--json] | casemail suppressions clear ADDRESS\n")
		return 2
	}
	c, ok := client(f, stderr)
	if !ok {
		return 1
	}
	if pos[0] == "clear" {
		if err := c.ClearSuppression(ctx, pos[1]); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "%s: mail goes to it again\n", pos[1])
		return 0
	}
	list, err := c.Suppressions(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	if f.json {
		return printJSON(stdout, list)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tSINCE\tCASE\tREASON")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t#%d\t%s\n", s.Address, s.Since.Local().Format("2006-01-02 15:04"), s.Case, oneLine(s.Reason, 70))
	}
	tw.Flush()
	return 0
}
