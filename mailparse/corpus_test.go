package mailparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casemail/casemail/internal/corpus"
)

// The shared corpus (../shared/corpus from the repository root) holds real
// mail from other projects' test suites under licenses that keep it out of
// this repository. These tests read it where it is and skip without it.

type zammadExpect struct {
	FromEmail   string `json:"from_email"`
	Subject     any    `json:"subject"`
	Attachments []struct {
		Filename string `json:"filename"`
	} `json:"attachments"`
}

// TestCorpusZammad compares From and Subject with what Zammad's parser made
// of its own test mails, and checks that attachments named in the raw mail
// are found under those names.
func TestCorpusZammad(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "zammad")
	raw, err := os.ReadFile(filepath.Join(dir, "EXPECTED-zammad.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]zammadExpect
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var fromOK, subjOK, total int
	for _, name := range names {
		exp := want[name]
		b, err := os.ReadFile(filepath.Join(dir, "test", "data", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		total++
		if strings.EqualFold(m.From.Address, exp.FromEmail) {
			fromOK++
		} else {
			t.Logf("zammad from miss %s: got %q want %q", name, m.From.Address, exp.FromEmail)
		}
		// Zammad keeps a missing Subject as nil and trailing blanks as is.
		wantSubj, _ := exp.Subject.(string)
		if strings.TrimSpace(m.Subject) == strings.TrimSpace(wantSubj) {
			subjOK++
		} else {
			t.Logf("zammad subject miss %s:\n got  %q\n want %q", name, m.Subject, wantSubj)
		}
		have := map[string]bool{}
		for _, a := range m.Attachments {
			have[a.Filename] = true
		}
		for _, a := range exp.Attachments {
			if !inRawHeader(b, a.Filename) {
				continue // a name Zammad made up, such as message.html
			}
			if !have[a.Filename] {
				t.Errorf("%s: attachment %q not found; have %v", name, a.Filename, keys(have))
			}
		}
	}
	fromPct := 100 * float64(fromOK) / float64(total)
	subjPct := 100 * float64(subjOK) / float64(total)
	t.Logf("zammad: %d mails, From %d/%d (%.1f%%), Subject %d/%d (%.1f%%)", total, fromOK, total, fromPct, subjOK, total, subjPct)
	if fromPct < 95 || subjPct < 95 {
		t.Errorf("zammad match below 95%%: From %.1f%%, Subject %.1f%%", fromPct, subjPct)
	}
}

// inRawHeader reports whether name is written in the raw mail as a
// parameter value (name="x", filename=x, filename*=utf-8”x) or as the left
// side of a Content-ID, the source of Zammad's names for unnamed inline
// images.
func inRawHeader(raw []byte, name string) bool {
	if name == "" {
		return false
	}
	for rest := raw; ; {
		i := bytes.Index(rest, []byte(name))
		if i < 0 {
			return false
		}
		before, after := byte(' '), byte('\n')
		if i > 0 {
			before = rest[i-1]
		}
		if j := i + len(name); j < len(rest) {
			after = rest[j]
		}
		if bytes.IndexByte([]byte(`="'<`), before) >= 0 && bytes.IndexByte([]byte("\"; \t\r\n@>"), after) >= 0 {
			return true
		}
		rest = rest[i+1:]
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestCorpusTalon checks quote stripping on talon's standard replies.
func TestCorpusTalon(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "talon-replies")
	tsv, err := os.ReadFile(filepath.Join(dir, "EXPECTED-replies.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(tsv), "\n") {
		file, want, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") || file == "file" {
			continue
		}
		n++
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		want = strings.TrimSpace(strings.ReplaceAll(want, `\n`, "\n"))
		if got := strings.TrimSpace(StripReply(m.Text)); got != want {
			t.Errorf("%s:\n got  %q\n want %q", filepath.Base(file), got, want)
		}
	}
	if n != 12 {
		t.Errorf("read %d talon replies, want 12", n)
	}
}

// TestCorpusAll parses every message of every set: no panic, no error but
// the two quarantine errors, each well within a few hundred milliseconds.
func TestCorpusAll(t *testing.T) {
	root := corpus.Dir(t)
	counts := map[string]int{}
	var slowest time.Duration
	var slowName string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || skipCorpusFile(d.Name()) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		msgs := [][]byte{b}
		if !strings.Contains(d.Name(), ".") { // mbox files have no extension
			msgs = splitMbox(b)
		}
		for i, msg := range msgs {
			name := fmt.Sprintf("%s#%d", path, i)
			start := time.Now()
			m, err := Parse(msg, DefaultLimits())
			el := time.Since(start)
			if el > slowest {
				slowest, slowName = el, name
			}
			if el > slowdown*500*time.Millisecond {
				// Measure again before failing: one slow run may be a
				// GC pause or a busy machine, not a slow parser.
				start = time.Now()
				Parse(msg, DefaultLimits())
				if el = time.Since(start); el > slowdown*500*time.Millisecond {
					t.Errorf("%s: parse took %v", name, el)
				}
			}
			switch {
			case err == nil:
				counts["ok"]++
			case errors.Is(err, ErrLimit):
				counts["limit"]++
				t.Logf("%s: %v", name, err)
			case errors.Is(err, ErrUnparseable):
				counts["unparseable"]++
				t.Logf("%s: %v", name, err)
			default:
				t.Errorf("%s: unexpected error %v", name, err)
			}
			if m == nil {
				t.Errorf("%s: nil message", name)
			} else {
				for _, n := range m.Notes {
					if n == notePanic {
						t.Errorf("%s: parser panicked", name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus: %d parsed, %d ErrLimit, %d ErrUnparseable; slowest %v (%s)",
		counts["ok"], counts["limit"], counts["unparseable"], slowest, slowName)
}

// skipCorpusFile leaves out the corpus's own bookkeeping: licenses,
// expected results, READMEs.
func skipCorpusFile(name string) bool {
	switch {
	case strings.HasPrefix(name, "EXPECTED"), strings.HasPrefix(name, "LICENSE"), strings.HasPrefix(name, "COPYING"),
		strings.HasSuffix(name, ".json"), strings.HasSuffix(name, ".yml"), strings.HasSuffix(name, ".md"),
		strings.HasSuffix(name, ".tsv"), strings.HasSuffix(name, "_reply_text"):
		return true
	}
	return false
}

// mboxFrom is an mbox separator line: "From sender Sat Feb  5 09:19:10 2022".
// A "From " line in a body (a git patch) is not one.
var mboxFrom = regexp.MustCompile(`(?m)^From \S+ +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) `)

// splitMbox splits an mbox file at its separator lines; any other file is
// one message.
func splitMbox(b []byte) [][]byte {
	locs := mboxFrom.FindAllIndex(b, -1)
	if len(locs) == 0 || locs[0][0] != 0 {
		return [][]byte{b}
	}
	var out [][]byte
	for i, loc := range locs {
		end := len(b)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, b[loc[0]:end])
	}
	return out
}

type stalwartParse struct {
	Parts []struct {
		Headers []struct {
			Name  any `json:"name"`
			Value struct {
				Text    *string `json:"Text"`
				Address *struct {
					List []struct {
						Address *string `json:"address"`
					} `json:"List"`
				} `json:"Address"`
			} `json:"value"`
		} `json:"headers"`
	} `json:"parts"`
}

// TestCorpusStalwart compares the top-level From address and Subject with
// stalwart's mail-parser, where its expected parse has them. A soft check:
// the misses are logged, and at least 90% must agree.
func TestCorpusStalwart(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "stalwart-mail-parser", "resources", "eml")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var checked, agreed int
	for _, f := range files {
		j, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".json")
		if err != nil {
			continue
		}
		var exp stalwartParse
		if err := json.Unmarshal(j, &exp); err != nil || len(exp.Parts) == 0 {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := Parse(b, DefaultLimits())
		rel, _ := filepath.Rel(dir, f)
		for _, h := range exp.Parts[0].Headers {
			var got, want string
			switch h.Name {
			case "subject":
				if h.Value.Text == nil {
					continue
				}
				got, want = m.Subject, strings.TrimSpace(*h.Value.Text)
			case "from":
				if h.Value.Address == nil || len(h.Value.Address.List) == 0 || h.Value.Address.List[0].Address == nil {
					continue
				}
				got, want = strings.ToLower(m.From.Address), strings.ToLower(*h.Value.Address.List[0].Address)
			default:
				continue
			}
			checked++
			if got == want {
				agreed++
			} else {
				t.Logf("stalwart %s miss %s:\n got  %q\n want %q", h.Name, rel, got, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no stalwart expectations read")
	}
	rate := 100 * float64(agreed) / float64(checked)
	t.Logf("stalwart: %d/%d From/Subject values agree (%.1f%%)", agreed, checked, rate)
	if rate < 90 {
		t.Errorf("stalwart agreement %.1f%% < 90%%", rate)
	}
}
