package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemail/casemail/config"
)

// tmpfs mounts a small tmpfs for a store, or skips: the fault tests need a
// real file system that can fill up or turn read-only under the daemon.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestDiskFullIsTemporary: when the disk fills up during DATA, the client
// gets 451 4.3.0 — never a 554 that would bounce the mail, never internal
// text — and mail is accepted again once there is room.
func TestDiskFullIsTemporary(t *testing.T) {
	dir := tmpfs(t, "6m")
	m := startDaemon(t, func(c *config.Config) { c.Store.Path = filepath.Join(dir, "casemail.db") })
	mustSend(t, m, firstMail())
	// Fill the file system, leaving less than one message of room.
	filler := filepath.Join(dir, "filler")
	exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k").Run()
	big := mail{From: customer, Subject: "big", MessageID: "big@cliente.es", Body: strings.Repeat("línea de registro 0123456789\n", 20000)}
	code, msg := replyCode(t, send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, big.bytes()))
	if code != 451 || !strings.HasPrefix(msg, "4.3.0") || strings.Contains(msg, "space") || strings.Contains(msg, "/") {
		t.Errorf("disk full: got %d %s, want 451 4.3.0 without internal text", code, msg)
	}
	os.Remove(filler)
	if err := send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, big.bytes()); err != nil {
		t.Errorf("after room was made: %v", err)
	}
}

// TestReadOnlyDatabaseIsTemporary makes the database file immutable under
// the running daemon (chattr +i on a real ext4 file system: writes through
// the already open file then fail, as on a file system gone read-only):
// 451 4.3.0, no internal text, and mail flows again once it is writable.
func TestReadOnlyDatabaseIsTemporary(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for a loop-mounted ext4")
	}
	for _, tool := range []string{"mkfs.ext4", "chattr", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	img := filepath.Join(t.TempDir(), "fs.img")
	dir := t.TempDir()
	if out, err := exec.Command("truncate", "-s", "32M", img).CombinedOutput(); err != nil {
		t.Skipf("truncate: %v %s", err, out)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v %s", err, out)
	}
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot loop-mount here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	db := filepath.Join(dir, "casemail.db")
	m := startDaemon(t, func(c *config.Config) { c.Store.Path = db })
	mustSend(t, m, firstMail())
	if out, err := exec.Command("chattr", "+i", db).CombinedOutput(); err != nil {
		t.Skipf("chattr: %v %s", err, out)
	}
	next := mail{From: customer, Subject: "ro", MessageID: "ro@cliente.es", Body: "hola"}
	code, msg := replyCode(t, send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, next.bytes()))
	exec.Command("chattr", "-i", db).Run()
	if code != 451 || !strings.HasPrefix(msg, "4.3.0") || strings.Contains(msg, "permitted") || strings.Contains(msg, "/") {
		t.Errorf("read-only database: got %d %s, want 451 4.3.0 without internal text", code, msg)
	}
	if err := send(t, m.SMTPAddr.String(), "ana@cliente.es", []string{"support@example.com"}, next.bytes()); err != nil {
		t.Errorf("once writable again: %v", err)
	}
}
