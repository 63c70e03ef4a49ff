package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/casemail/casemail/config"
)

const examplePath = "../config.example.yaml"

// cleanEnv unsets every CASEMAIL_* variable for the test, so the runner's
// environment cannot change what Load returns; t.Setenv restores them after.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CASEMAIL_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
}

// loadYAML writes text to a file named casemail.yaml and loads it.
func loadYAML(t *testing.T, text string) (*config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "casemail.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(path, nil)
}

// problems returns the problems in err, failing the test if err is not an
// *Error.
func problems(t *testing.T, err error) []config.Problem {
	t.Helper()
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error = %v (%T), want *config.Error", err, err)
	}
	return cerr.Problems
}

func problemKeys(t *testing.T, err error) []string {
	t.Helper()
	var keys []string
	for _, p := range problems(t, err) {
		keys = append(keys, p.Key)
	}
	return keys
}

func TestExampleLoadsAsDefault(t *testing.T) {
	cleanEnv(t)
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := config.Load(examplePath, nil)
	if err != nil {
		t.Fatalf("example file:\n%v", err)
	}
	fromBytes, err := config.Load("", data)
	if err != nil {
		t.Fatalf("example as embedded bytes:\n%v", err)
	}
	for name, got := range map[string]*config.Config{"file": fromFile, "bytes": fromBytes} {
		if !reflect.DeepEqual(got, config.Default()) {
			t.Errorf("example (%s) differs from Default():\n got %+v\nwant %+v", name, got, config.Default())
		}
	}
	if err := config.Default().Validate(); err != nil {
		t.Errorf("Default().Validate():\n%v", err)
	}
}

// TestExampleDocumentsEveryKey keeps config.example.yaml complete: a field
// added to Config without a documented key there fails here.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{} // dotted key → has a comment
	root := doc.Content[0]
	for i := 0; i < len(root.Content); i += 2 {
		sec := root.Content[i+1]
		for j := 0; j < len(sec.Content); j += 2 {
			k := sec.Content[j]
			documented[root.Content[i].Value+"."+k.Value] = k.HeadComment != "" || k.LineComment != "" || sec.Content[j+1].LineComment != ""
		}
	}
	for _, key := range tagKeys(reflect.TypeFor[config.Config](), "") {
		hasComment, present := documented[key]
		switch {
		case !present:
			t.Errorf("%s is not in config.example.yaml; add it with its default and a comment", key)
		case !hasComment:
			t.Errorf("%s in config.example.yaml has no comment saying what it is for", key)
		}
	}
}

// tagKeys lists the dotted mapstructure keys of every leaf field of typ.
func tagKeys(typ reflect.Type, prefix string) []string {
	var keys []string
	for f := range typ.Fields() {
		key := prefix + f.Tag.Get("mapstructure")
		if f.Tag.Get("mapstructure") == "" {
			panic(typ.Name() + "." + f.Name + " has no mapstructure tag")
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Duration]() {
			keys = append(keys, tagKeys(f.Type, key+".")...)
		} else {
			keys = append(keys, key)
		}
	}
	return keys
}

func TestUnknownKeys(t *testing.T) {
	cleanEnv(t)
	tests := []struct {
		name, yaml string
		key, fix   string
	}{
		{"typo", "smtp:\n  listn: 127.0.0.1:25\n", "smtp.listn", "did you mean smtp.listen?"},
		{"case", "smtp:\n  Listen: 127.0.0.1:25\n", "smtp.Listen", "did you mean smtp.listen?"},
		{"section", "smpt:\n  listen: 127.0.0.1:25\n", "smpt", "did you mean smtp?"},
		{"far off", "smtp:\n  greeting: hi\n", "smtp.greeting", "config.example.yaml lists every key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadYAML(t, tt.yaml)
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Key != tt.key || !strings.Contains(ps[0].Fix, tt.fix) {
				t.Fatalf("got %v, want one problem for %s with fix %q", err, tt.key, tt.fix)
			}
			if !strings.Contains(ps[0].Problem, "line 2") && !strings.Contains(ps[0].Problem, "line 1") {
				t.Errorf("problem %q does not give the line", ps[0].Problem)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	const file = "smtp:\n  listen: 127.0.0.1:2600\nlmtp:\n  listen: /run/casemail/lmtp.sock\n"
	tests := []struct {
		env   map[string]string
		check func(*config.Config) bool
	}{
		{map[string]string{"CASEMAIL_SMTP_LISTEN": "0.0.0.0:25"},
			func(c *config.Config) bool { return c.SMTP.Listen == "0.0.0.0:25" }},
		{map[string]string{"CASEMAIL_SUPPORT_ADDRESSES": "a@x.org,b@y.org"},
			func(c *config.Config) bool { return slices.Equal(c.Support.Addresses, []string{"a@x.org", "b@y.org"}) }},
		{map[string]string{"CASEMAIL_SUPPORT_ADDRESSES": " a@x.org, b@y.org "},
			func(c *config.Config) bool { return slices.Equal(c.Support.Addresses, []string{"a@x.org", "b@y.org"}) }},
		{map[string]string{"CASEMAIL_SMTP_READ_TIMEOUT": "90s", "CASEMAIL_SMTP_MAX_RECIPIENTS": "7"},
			func(c *config.Config) bool { return c.SMTP.ReadTimeout == 90*time.Second && c.SMTP.MaxRecipients == 7 }},
		{map[string]string{"CASEMAIL_LMTP_LISTEN": ""}, // empty switches off what the file turns on
			func(c *config.Config) bool { return c.LMTP.Listen == "" }},
		{map[string]string{"CASEMAIL_STORE_PATH": "/var/lib/casemail/db"},
			func(c *config.Config) bool {
				return c.Store.Path == "/var/lib/casemail/db" && c.SMTP.Listen == "127.0.0.1:2600"
			}},
		{map[string]string{"CASEMAIL_ADMIN_LISTEN": "0.0.0.0:8025", "CASEMAIL_ADMIN_TOKEN": "0123456789abcdef"},
			func(c *config.Config) bool {
				return c.Admin.Listen == "0.0.0.0:8025" && c.Admin.Token == "0123456789abcdef"
			}},
	}
	before := os.Environ()
	for _, tt := range tests {
		t.Run(strings.Join(slices.Sorted(mapKeys(tt.env)), "+"), func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := loadYAML(t, file)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if !tt.check(c) {
				t.Errorf("override not applied: %+v", c)
			}
		})
	}
	// Each case's overrides must be gone before the next test loads.
	if after := os.Environ(); !slices.Equal(slices.Sorted(slices.Values(after)), slices.Sorted(slices.Values(before))) {
		t.Errorf("environment changed by the cases:\nbefore %v\nafter  %v", before, after)
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestEnvBadValueNamesVariable(t *testing.T) {
	cleanEnv(t)
	t.Setenv("CASEMAIL_SMTP_READ_TIMEOUT", "300")
	_, err := config.Load(examplePath, nil)
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Key != "smtp.read_timeout" || !strings.Contains(ps[0].Problem, "CASEMAIL_SMTP_READ_TIMEOUT") {
		t.Fatalf("got %v, want smtp.read_timeout blamed on CASEMAIL_SMTP_READ_TIMEOUT", err)
	}
}

func TestFileProblems(t *testing.T) {
	cleanEnv(t)
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := config.Load(missing, nil)
	if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Problem, missing) || !strings.Contains(ps[0].Problem, "does not exist") {
		t.Errorf("missing file: got %v", err)
	}

	_, err = loadYAML(t, "smtp:\n  listen: 127.0.0.1:2525\n   hostname: x\nlog: [\n")
	if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Problem, "casemail.yaml: line 3") {
		t.Errorf("syntax error: got %v, want the file name and line 3", err)
	}

	_, err = config.Load("", []byte("log:\n  level: debug\n  level: info\n"))
	if ps := problems(t, err); len(ps) != 1 || ps[0].Key != "log.level" || !strings.Contains(ps[0].Problem, "lines 2 and 3") {
		t.Errorf("duplicate key: got %v", err)
	}
}

func TestEmptyAndNullKeepDefaults(t *testing.T) {
	cleanEnv(t)
	for _, text := range []string{"", "# nothing\n", "lmtp:\n  # listen: /run/x.sock\nsmtp:\n  listen:\n"} {
		c, err := config.Load("", []byte(text))
		if err != nil {
			t.Fatalf("%q:\n%v", text, err)
		}
		if !reflect.DeepEqual(c, config.Default()) {
			t.Errorf("%q: got %+v, want the defaults", text, c)
		}
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	cleanEnv(t)
	_, err := loadYAML(t, `
support:
  addresses: ["Help <help@example.com>", help+x@example.com]
threading:
  token_key: short
smtp:
  listen: foo
  max_line_length: 512
  read_timeout: 300
  max_recipients: lots
store:
  path: ""
admin:
  listen: 0.0.0.0:8025
log:
  level: loud
  format: xml
parse:
  max_parts: 0
`)
	want := []string{
		"support.addresses", "support.addresses", "threading.token_key", "smtp.listen",
		"smtp.max_recipients", "smtp.max_line_length", "smtp.read_timeout",
		"store.path", "admin.token", "parse.max_parts", "log.level", "log.format",
	}
	if got := problemKeys(t, err); !slices.Equal(got, want) {
		t.Errorf("keys:\n got %v\nwant %v\nerror:\n%v", got, want, err)
	}
}

// TestAccountsWithNamedTAM: an account's TAM may carry a display name of
// several words; the other forms stay as they were.
func TestAccountsWithNamedTAM(t *testing.T) {
	accs, err := config.Accounts{List: []string{
		"acme.com,acme.es premium Teresa Ruiz <Tam@Example.com>",
		"beta.es premium tam2@example.com",
		"gamma.es standard",
	}}.ParseAccounts()
	if err != nil {
		t.Fatal(err)
	}
	if a := accs[0]; a.TAM == nil || a.TAM.Name != "Teresa Ruiz" || a.TAM.Address != "tam@example.com" || len(a.Domains) != 2 {
		t.Errorf("named TAM parsed as %+v (TAM %+v)", a, a.TAM)
	}
	if a := accs[1]; a.TAM == nil || a.TAM.Address != "tam2@example.com" {
		t.Errorf("bare TAM parsed as %+v", a)
	}
	if a := accs[2]; a.TAM != nil || a.Tier != "standard" {
		t.Errorf("standard account parsed as %+v", a)
	}
	for _, bad := range []string{"acme.com", "acme.com premium", "acme.com gold x@y.z", "acme.com premium Teresa <not an address"} {
		if _, err := (config.Accounts{List: []string{bad}}).ParseAccounts(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
