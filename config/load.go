package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Load reads the YAML configuration at path, or embedded when path is "";
// cmd passes casemail.DefaultConfig so the binary runs with no file at all.
// Every key can then be overridden by CASEMAIL_<SECTION>_<KEY> (comma-
// separated for lists; an empty variable sets the key to empty). Unknown
// keys, values of the wrong type and everything Validate rejects are
// returned together as an *Error.
func Load(path string, embedded []byte) (*Config, error) {
	name, data, err := read(path, embedded)
	if err != nil {
		return nil, err
	}
	settings, ps := parseYAML(name, data)
	if settings == nil {
		return nil, ps.err() // a syntax error: nothing below would mean anything
	}
	c, decodeProblems := decode(settings)
	ps = append(ps, decodeProblems...)
	// A value that did not decode was left at zero; do not also report
	// that zero as out of range.
	reported := map[string]bool{}
	for _, p := range decodeProblems {
		reported[p.Key] = true
	}
	if verr, ok := errors.AsType[*Error](c.Validate()); ok {
		for _, p := range verr.Problems {
			if !reported[p.Key] {
				ps = append(ps, p)
			}
		}
	}
	if err := blameEnv(inKeyOrder(ps)).err(); err != nil {
		return nil, err
	}
	return c, nil
}

// read returns the file's bytes and the name to use in messages about it.
func read(path string, embedded []byte) (name string, data []byte, err error) {
	if path == "" {
		return "built-in configuration", embedded, nil
	}
	data, err = os.ReadFile(path)
	var ps problems
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ps.add("", fmt.Sprintf("config file %q does not exist", path),
			"check the path, or leave --config out to run on the built-in configuration")
	case err != nil:
		ps.add("", fmt.Sprintf("cannot read config file: %v", err),
			"make it a readable file for the user casemail runs as")
	}
	return path, data, ps.err()
}

// decode layers the file's settings over the code defaults and the
// environment over both, then unmarshals into a Config.
func decode(settings map[string]any) (*Config, problems) {
	v := viper.New()
	for _, f := range fields() {
		v.SetDefault(f.key, f.def)
	}
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	// An explicitly empty variable is an override too: it is the only way
	// to switch off, say, an LMTP listener the file turns on.
	v.AllowEmptyEnv(true)
	v.AutomaticEnv()
	if err := v.MergeConfigMap(settings); err != nil {
		return Default(), problems{{Problem: err.Error()}}
	}
	c := new(Config)
	err := v.Unmarshal(c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(durationHook, listHook)))
	return c, typeProblems(err, v)
}

var durationType = reflect.TypeFor[time.Duration]()

// durationHook parses durations in Go syntax and, unlike mapstructure's own
// hook, refuses bare numbers: "read_timeout: 300" would otherwise mean 300ns.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, errors.New("a duration needs a unit")
	}
	return time.ParseDuration(strings.TrimSpace(s))
}

// listHook turns a comma-separated string (how lists arrive from the
// environment) into a slice, trimming the spaces people put after commas.
func listHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	var out []string
	for s := range strings.SplitSeq(data.(string), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// typeProblems turns mapstructure's joined errors into one Problem per key,
// phrased by the type the key wants rather than by Go's type names.
func typeProblems(err error, v *viper.Viper) problems {
	var ps problems
	byKey := fieldsByKey()
	var walk func(error)
	walk = func(err error) {
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				walk(e)
			}
			return
		}
		de, ok := err.(*mapstructure.DecodeError)
		if !ok {
			if inner := errors.Unwrap(err); inner != nil {
				walk(inner) // mapstructure's "decoding failed" preamble
			} else {
				ps.add("", err.Error(), "")
			}
			return
		}
		if inner := de.Unwrap(); isWrapper(inner) {
			walk(inner)
			return
		}
		// A bad list element is named "support.addresses[0]"; report it
		// against the key the operator wrote.
		name, _, _ := strings.Cut(de.Name(), "[")
		f, known := byKey[name]
		if !known {
			ps.add(name, de.Unwrap().Error(), "see config.example.yaml")
			return
		}
		problem, fix := wrongType(f)
		ps.add(f.key, quote(v.Get(f.key))+" "+problem, fix)
	}
	if err != nil {
		walk(err)
	}
	return ps
}

// isWrapper reports whether err only groups errors that name their own keys.
func isWrapper(err error) bool {
	if _, ok := err.(interface{ Unwrap() []error }); ok {
		return true
	}
	_, ok := err.(*mapstructure.DecodeError)
	return ok
}

// wrongType says what f wants, using its default as the example.
func wrongType(f field) (problem, fix string) {
	switch {
	case f.typ == durationType:
		return "is not a duration", "write a number with a unit, e.g. " + shortDuration(f.def.(time.Duration))
	case f.typ.Kind() == reflect.Slice:
		return "is not a list", "write a YAML list such as [support@example.com], or a comma-separated string in the environment"
	case f.typ.Kind() == reflect.Int || f.typ.Kind() == reflect.Int64:
		return "is not a whole number", fmt.Sprintf("write digits only, e.g. %v", f.def)
	case f.def == "":
		return "is not a single value", "write a quoted string"
	default:
		return "is not a single value", "write a quoted string such as " + quote(f.def)
	}
}

// shortDuration writes d as an operator would: 5m rather than 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// quote renders a value close to how the operator wrote it: strings quoted,
// lists and maps in YAML's flow style (which JSON is), numbers as they are.
func quote(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case []any, map[string]any:
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

// inKeyOrder sorts problems with known keys into Config's order, so an
// operator reads them top to bottom like the file. Problems with the file as
// a whole, or with unknown keys, stay first in the order they were found.
func inKeyOrder(ps problems) problems {
	rank := map[string]int{}
	for i, f := range fields() {
		rank[f.key] = i + 1
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return rank[a.Key] - rank[b.Key] })
	return ps
}

// blameEnv points problems whose key was set through the environment at the
// variable, since the operator would otherwise look for it in the file.
func blameEnv(ps problems) problems {
	known := fieldsByKey()
	for i, p := range ps {
		if _, ok := known[p.Key]; !ok {
			continue
		}
		if _, ok := os.LookupEnv(envName(p.Key)); ok {
			ps[i].Problem += " (set by " + envName(p.Key) + ")"
		}
	}
	return ps
}
