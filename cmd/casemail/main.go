// Command casemail is the email-to-ticket daemon and its command-line
// client. This package only wires the parts together: it parses flags,
// loads the configuration, builds the store, the ingester, the listeners
// and the admin API, and handles signals and systemd notification.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/casemail/casemail"
	"github.com/casemail/casemail/config"
)

const usage = `casemail — support cases from plain email

usage:
  casemail serve          [--config FILE]   run the daemon
  casemail check-config   [--config FILE]   print every configuration problem (exit 1 if any)
  casemail cases list     [--config FILE] [--json]
  casemail cases show N   [--config FILE] [--json]
  casemail cases reply N  [--config FILE] --from AGENT [--name NAME] [--update] [--now] [--text T | < file]
  casemail quarantine list [--config FILE] [--json]
  casemail outbox list    [--config FILE] [--all] [--json]
  casemail outbox send-now|retry|cancel ID [--config FILE]
  casemail suppressions list [--json] | casemail suppressions clear ADDRESS
  casemail store check    [--config FILE]   verify the store file (daemon stopped)

The daemon reloads business hours and sending policies on SIGHUP and when
the --config file changes.

Without --config the built-in configuration (config.example.yaml) is used.
Every key can be overridden by CASEMAIL_<SECTION>_<KEY>, e.g. CASEMAIL_SMTP_LISTEN.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr)
	case "check-config":
		return cmdCheckConfig(rest, stdout, stderr)
	case "cases":
		return cmdCases(ctx, rest, stdout, stderr)
	case "quarantine":
		return cmdQuarantine(ctx, rest, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, rest, stdout, stderr)
	case "suppressions":
		return cmdSuppressions(ctx, rest, stdout, stderr)
	case "store":
		return cmdStore(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "casemail: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// flags is the flag set every subcommand shares: --config, plus --json for
// the reading commands.
type flags struct {
	fs     *flag.FlagSet
	config string
	json   bool
}

func newFlags(name string, withJSON bool, stderr io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	f.fs.StringVar(&f.config, "config", "", "configuration file (default: the built-in config.example.yaml)")
	if withJSON {
		f.fs.BoolVar(&f.json, "json", false, "print JSON (a stable format, see README)")
	}
	return f
}

// parse parses args, allowing flags after positional arguments
// ("cases show 3 --json"), which is how people type them.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			return nil, err
		}
		args = f.fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (f *flags) load() (*config.Config, error) {
	return config.Load(f.config, casemail.DefaultConfig)
}

func cmdCheckConfig(args []string, stdout, stderr io.Writer) int {
	f := newFlags("check-config", false, stderr)
	if _, err := f.parse(args); err != nil {
		return 2
	}
	if _, err := f.load(); err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			for _, p := range cerr.Problems {
				fmt.Fprintln(stdout, p.String())
			}
			fmt.Fprintf(stdout, "%d problem(s)\n", len(cerr.Problems))
		} else {
			fmt.Fprintln(stdout, err)
		}
		return 1
	}
	name := f.config
	if name == "" {
		name = "built-in configuration"
	}
	fmt.Fprintf(stdout, "%s: ok\n", name)
	return 0
}
