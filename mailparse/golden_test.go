package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemail/casemail/support"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current parser")

// golden is what a golden file records: the Message as the store keeps it,
// plus the full text, the parse error and a digest of each attachment's
// bytes, which the Message's JSON leaves out.
type golden struct {
	Error    string   `json:"error,omitempty"`
	FullText string   `json:"full_text"`
	Digests  []string `json:"attachment_sha256,omitempty"`
	*support.Message
}

// TestGolden parses every testdata/*.eml and compares with its .golden.
// Run with -update after a deliberate change and review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, perr := Parse(raw, DefaultLimits())
			g := golden{FullText: m.Text, Message: m}
			if perr != nil {
				g.Error = perr.Error()
			}
			for _, a := range m.Attachments {
				sum := sha256.Sum256(a.Data)
				g.Digests = append(g.Digests, hex.EncodeToString(sum[:]))
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := strings.TrimSuffix(f, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the parse (run with -update and review the diff):\n%s", path, got)
			}
		})
	}
}
