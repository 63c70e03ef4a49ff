package bounce

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/casemail/casemail/internal/corpus"
)

// The sisimai corpus is the measure of this package: 590 bounces from
// about 70 mail systems, labelled by go-sisimai. It lives beside the
// project, not in it (its license differs), so the test skips without it.

// corpusDir locates sisimai-set-of-emails.
func corpusDir(t *testing.T) string {
	dir := filepath.Join(corpus.Dir(t), "sisimai-set-of-emails")
	if _, err := os.Stat(filepath.Join(dir, "EXPECTED-sisimai.tsv")); err != nil {
		t.Skipf("sisimai corpus not found at %s (set CASEMAIL_CORPUS): %v", dir, err)
	}
	return dir
}

// label is one row of EXPECTED-sisimai.tsv: one bounced recipient.
type label struct {
	reason string
	hard   bool
}

func readLabels(t *testing.T, dir string) (map[string][]label, []string) {
	f, err := os.Open(filepath.Join(dir, "EXPECTED-sisimai.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels := map[string][]label{}
	var files []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 7 || strings.HasPrefix(cols[0], "#") || cols[0] == "file" {
			continue
		}
		name := filepath.Base(cols[0])
		if _, ok := labels[name]; !ok {
			files = append(files, name)
		}
		labels[name] = append(labels[name], label{reason: cols[5], hard: cols[6] == "true"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return labels, files
}

// wantKind is the kind the labels of one file call for.
func wantKind(ls []label) Kind {
	switch ls[0].reason {
	case "vacation":
		return AutoReply
	case "feedback":
		return Feedback
	}
	return Bounce
}

// verdict grades one file. The labels give no addresses, so a recipient
// counts as right when the count matches sisimai's, and each one is an
// address the bounce names that is not the bounce's own sender or
// recipient (the writer of the returned message), unless a DSN field, an
// RCPT TO or a line of its own names it (people mail themselves).
type verdict struct {
	kind, rcpt, hard bool
	why              string
}

func grade(raw []byte, ls []label, r Report) verdict {
	want := wantKind(ls)
	v := verdict{kind: r.Kind == want}
	if !v.kind {
		v.why = fmt.Sprintf("kind %q, want %q", r.Kind, want)
		return v
	}
	if want != Bounce {
		v.rcpt, v.hard = true, true
		return v
	}
	var failed []label
	for _, l := range ls {
		if l.reason != "delivered" {
			failed = append(failed, l)
		}
	}
	if len(r.Recipients) != len(failed) {
		v.why = fmt.Sprintf("%d recipients %v, want %d", len(r.Recipients), r.Recipients, len(failed))
		return v
	}
	h, _ := splitHeader(normalize(raw))
	own := map[string]bool{}
	for _, name := range []string{"from", "to"} {
		for _, a := range findAddrs(h.get(name)) {
			own[a.addr] = true
		}
	}
	// The address must be in the message as sent or as decoded (base64,
	// quoted-printable).
	var p parser
	m := &message{root: p.parse(normalize(raw), 0)}
	text := strings.ToLower(string(raw) + m.fullText())
	v.rcpt, v.hard = true, true
	for i, f := range r.Recipients {
		named := regexp.MustCompile(`(?im)(^\s*(final|original|x-actual)-recipient:.*|rcpt to:\s*<?|^\s*<)` + regexp.QuoteMeta(f.Recipient)).MatchString(text)
		if own[f.Recipient] && !named || cleanAddr(f.Recipient) != f.Recipient || !strings.Contains(text, f.Recipient) {
			v.rcpt = false
			v.why += fmt.Sprintf("recipient %q implausible; ", f.Recipient)
		}
		if f.Hard != failed[i].hard {
			v.hard = false
			v.why += fmt.Sprintf("%s hard=%v, want %v (%s; %s %d %q); ", f.Recipient, f.Hard, failed[i].hard,
				failed[i].reason, f.Status, f.Code, f.Diagnostic)
		}
	}
	return v
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// TestSisimaiCorpus grades every labelled file of maildir/bsd, and the
// copies with CR (mac/) and CRLF (dos/) line endings, which must give the
// very same Reports. The measure is the share of files right on all
// three counts: recognised, recipients, and hard/soft verdict.
func TestSisimaiCorpus(t *testing.T) {
	dir := corpusDir(t)
	labels, files := readLabels(t, dir)
	bsd := map[string]Report{}
	for _, variant := range []string{"bsd", "mac", "dos"} {
		var n, kind, rcpt, hard, all int
		var misses []string
		for _, name := range files {
			raw, err := os.ReadFile(filepath.Join(dir, "maildir", variant, name))
			if err != nil {
				continue // mac/ and dos/ hold 80 of the files
			}
			r := Classify(raw)
			if variant == "bsd" {
				bsd[name] = r
			} else if !reflect.DeepEqual(r, bsd[name]) {
				t.Errorf("%s/%s differs from bsd:\n got %+v\nwant %+v", variant, name, r, bsd[name])
			}
			v := grade(raw, labels[name], r)
			n++
			kind += b2i(v.kind)
			rcpt += b2i(v.kind && v.rcpt)
			hard += b2i(v.kind && v.hard)
			if v.kind && v.rcpt && v.hard {
				all++
			} else {
				misses = append(misses, name+": "+v.why)
			}
		}
		sort.Strings(misses)
		t.Logf("sisimai %s: %d files; recognised %.1f%%, recipients %.1f%%, hard/soft %.1f%%, all three %.1f%% (%d misses)",
			variant, n, pct(kind, n), pct(rcpt, n), pct(hard, n), pct(all, n), len(misses))
		for _, m := range misses {
			t.Logf("  miss %s", m)
		}
		if variant == "bsd" && pct(all, n) < 95 {
			t.Errorf("sisimai bsd: %.1f%% right, want at least 95%%", pct(all, n))
		}
	}
}

// TestSisimaiOthers checks the files the labels leave out or that have a
// fixed answer: every auto-reply and ARF sample, and the non-bounces.
func TestSisimaiOthers(t *testing.T) {
	dir := corpusDir(t)
	for _, variant := range []string{"bsd", "mac", "dos"} {
		for _, c := range []struct {
			glob string
			want Kind
			not  bool
		}{
			{"rfc3834-*.eml", AutoReply, false},
			{"arf-*.eml", Feedback, false},
		} {
			paths, _ := filepath.Glob(filepath.Join(dir, "maildir", variant, c.glob))
			for _, p := range paths {
				raw, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if r := Classify(raw); r.Kind != c.want {
					t.Errorf("%s: kind %q, want %q", p, r.Kind, c.want)
				}
			}
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "maildir", "not", "*.eml"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if r := Classify(raw); r.Kind == Bounce {
			t.Errorf("%s: classified as a bounce: %+v", p, r)
		}
	}
	if len(paths) != 3 {
		t.Errorf("found %d files in maildir/not, want 3", len(paths))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
