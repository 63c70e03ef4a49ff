// Package corpus finds the shared mail corpus for tests: real messages from
// other projects' test suites (../shared/corpus beside the repository, or
// $CASEMAIL_CORPUS). Their licenses keep them out of this repository, so
// the tests that read them skip, with a message, when they are absent.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or skips t when there is none.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("CASEMAIL_CORPUS")
	if dir == "" {
		dir = filepath.Join(repoRoot(), "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("mail corpus not found at %s (set CASEMAIL_CORPUS): %v", dir, err)
	}
	return dir
}

// repoRoot is the directory of go.mod above the working directory (go test
// runs in the package's directory, at whatever depth).
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
