package main

import (
	"fmt"
	"io"

	"github.com/casemail/casemail/store"
)

// cmdStore runs offline checks on the store file. The daemon must be
// stopped: bbolt's lock lets one process at a time open the file.
func cmdStore(args []string, stdout, stderr io.Writer) int {
	f := newFlags("store", false, stderr)
	pos, err := f.parse(args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || pos[0] != "check" {
		fmt.Fprint(stderr, "usage: casemail store check [--config FILE]   (with the daemon stopped)\n")
		return 2
	}
	cfg, err := f.load()
	if err != nil {
		fmt.Fprintf(stderr, "casemail: configuration:\n%v\n", err)
		return 1
	}
	st, err := store.Open(cfg.Store.Path, store.Options{LockTimeout: cfg.Store.LockTimeout})
	if err != nil {
		return fail(stderr, err)
	}
	defer st.Close()
	r, err := st.Check()
	if err != nil {
		return fail(stderr, err)
	}
	printJSON(stdout, r)
	if len(r.Errors) > 0 || r.DuplicatedIncoming > 0 {
		return 1
	}
	return 0
}
