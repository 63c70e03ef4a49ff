package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCrashScript runs scripts/crashtest.sh with a small count: smtp-source
// load, SIGKILL at random moments, restarts, then the store check. The
// script fails unless every acknowledged message is stored exactly once and
// the bbolt file is consistent.
func TestCrashScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the daemon")
	}
	if _, err := exec.LookPath("smtp-source"); err != nil {
		if _, err := os.Stat("/usr/sbin/smtp-source"); err != nil {
			t.Skip("smtp-source not installed (scripts/install-test-peers.sh installs postfix)")
		}
	}
	out, err := exec.Command("../../scripts/crashtest.sh", "600", "3").CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "lost=0 duplicated=0") {
		t.Fatalf("crash test: %v", err)
	}
}
