package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/casemail/casemail/internal/corpus"
	"github.com/casemail/casemail/support"
)

// corpusMessages returns every message of a corpus set: one per file, and
// one per message of the mbox files.
func corpusMessages(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, "EXPECTED") || strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".yml") ||
			strings.HasSuffix(name, ".tsv") || strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".md") ||
			strings.HasPrefix(name, "COPYING") || strings.HasPrefix(name, "LICENSE") || strings.HasSuffix(name, "_reply_text") ||
			name == "README" || strings.Contains(path, "expected-output") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if bytes.HasPrefix(raw, []byte("From ")) && strings.Contains(rel, "mailbox") {
			for i, m := range splitMbox(raw) {
				out[rel+"#"+itoa(i)] = m
			}
			return nil
		}
		out[rel] = raw
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func splitMbox(raw []byte) [][]byte {
	var out [][]byte
	for _, part := range bytes.Split(raw, []byte("\nFrom ")) {
		if i := bytes.IndexByte(part, '\n'); i >= 0 {
			out = append(out, part[i+1:])
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestCorpusNothingDropped ingests every message of every corpus set: none
// may panic or fail, and each must end up filed in a case, recognised as a
// duplicate, or quarantined with a reason.
func TestCorpusNothingDropped(t *testing.T) {
	dir := corpus.Dir(t)
	for _, set := range []string{"zammad", "stalwart-mail-parser", "notmuch", "sisimai-set-of-emails", "talon-replies"} {
		t.Run(set, func(t *testing.T) {
			in, st := newIngester(t)
			msgs := corpusMessages(t, filepath.Join(dir, set))
			var filed, dups, quarantined int
			reasons := map[string]int{}
			for _, name := range sortedKeys(msgs) {
				d, err := in.Deliver(context.Background(), support.Envelope{Rcpts: []string{"support@example.com"}}, msgs[name])
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				switch {
				case d.Duplicate:
					dups++
				case d.Quarantined:
					quarantined++
					reasons[firstWords(d.Reason)]++
				case d.Case == 0:
					t.Errorf("%s: neither filed nor quarantined: %+v", name, d)
				default:
					filed++
				}
			}
			stored, q, err := st.Counts()
			if err != nil {
				t.Fatal(err)
			}
			if stored != filed || q != quarantined {
				t.Errorf("store holds %d messages and %d quarantined, ingest reported %d and %d", stored, q, filed, quarantined)
			}
			t.Logf("%s: %d messages: %d filed, %d duplicates, %d quarantined %v", set, len(msgs), filed, dups, quarantined, reasons)
		})
	}
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestNotmuchThreads files the notmuch threading corpora and checks that
// the cases are exactly notmuch's threads: every thread in one case, no
// two threads in the same case.
func TestNotmuchThreads(t *testing.T) {
	dir := corpus.Dir(t)
	for _, corpus := range []string{"default", "threading"} {
		t.Run(corpus, func(t *testing.T) {
			var want struct {
				Threads []struct {
					Messages []struct {
						ID string `json:"id"`
					} `json:"messages"`
				} `json:"threads"`
			}
			data, err := os.ReadFile(filepath.Join(dir, "notmuch", "EXPECTED-threads-"+corpus+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			in, st := newIngester(t)
			msgs := corpusMessages(t, filepath.Join(dir, "notmuch", "test", "corpora", corpus))
			for _, name := range sortedKeys(msgs) {
				if _, err := in.Deliver(context.Background(), support.Envelope{Rcpts: []string{"support@example.com"}}, msgs[name]); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			caseOf := map[string]uint64{}
			cases, _ := st.Cases()
			for _, c := range cases {
				_, ms, _ := st.Case(c.Number)
				for _, m := range ms {
					caseOf[m.MessageID] = c.Number
				}
			}
			threadOfCase := map[uint64]int{}
			bad := 0
			for ti, th := range want.Threads {
				first := caseOf[th.Messages[0].ID]
				for _, m := range th.Messages {
					n, ok := caseOf[m.ID]
					switch {
					case !ok:
						t.Errorf("thread %d: %s not filed", ti, m.ID)
						bad++
					case n != first:
						t.Errorf("thread %d: %s in case %d, thread root in case %d", ti, m.ID, n, first)
						bad++
					}
					if other, seen := threadOfCase[n]; seen && other != ti {
						t.Errorf("case %d mixes threads %d and %d (%s)", n, other, ti, m.ID)
						bad++
					}
					threadOfCase[n] = ti
				}
			}
			t.Logf("%s: %d threads, %d messages, %d cases, %d mismatches", corpus, len(want.Threads), len(caseOf), len(cases), bad)
		})
	}
}
