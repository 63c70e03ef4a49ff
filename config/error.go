package config

import "strings"

// Problem is one thing wrong with a configuration, phrased for the operator.
type Problem struct {
	Key     string // dotted key, e.g. "smtp.listen"; empty for the file as a whole
	Problem string // what is wrong, quoting the value
	Fix     string // what to write instead
}

// String formats p as one line: `key: problem; fix: fix`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Problem)
	if p.Fix != "" {
		b.WriteString("; fix: " + p.Fix)
	}
	return b.String()
}

// Error is every problem Load or Validate found, so an operator can fix them
// all in one edit instead of one per restart.
type Error struct {
	Problems []Problem
}

// Error returns one line per problem.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems; its err method yields nil when there are none,
// so callers never return a non-nil *Error holding nothing.
type problems []Problem

func (ps *problems) add(key, problem, fix string) {
	*ps = append(*ps, Problem{Key: key, Problem: problem, Fix: fix})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}
