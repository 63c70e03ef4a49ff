// Package casemail is an email-to-ticket daemon: it takes mail in over SMTP
// or LMTP, files it as Support Cases in a bbolt store, and threads replies
// back onto the case they answer. The packages below this one do the work;
// this one holds only what belongs to the project as a whole.
package casemail

import _ "embed" // for DefaultConfig

// DefaultConfig is config.example.yaml, built into the binary, which runs on
// it when no --config is given. Keeping the documented file and the built-in
// one the same bytes means the example can never describe a setup casemail
// does not actually start with.
//
//go:embed config.example.yaml
var DefaultConfig []byte
