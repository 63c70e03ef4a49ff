package casemail_test

import (
	"os"
	"strings"
	"testing"

	"github.com/casemail/casemail"
	"github.com/casemail/casemail/config"
)

// TestDefaultConfigLoads checks the configuration the binary runs on when
// given no --config: it must load without a single problem.
func TestDefaultConfigLoads(t *testing.T) {
	for _, kv := range os.Environ() { // the runner's overrides are not ours to test
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CASEMAIL_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	c, err := config.Load("", casemail.DefaultConfig)
	if err != nil {
		t.Fatalf("built-in configuration:\n%v", err)
	}
	if c.SMTP.Listen != "127.0.0.1:2525" || c.Admin.Listen != "127.0.0.1:8025" ||
		c.Store.Path != "./data/casemail.db" || c.Support.Addresses[0] != "support@example.com" {
		t.Errorf("defaults scripts rely on changed: %+v", c)
	}
}
