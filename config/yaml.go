package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseYAML checks the file's shape against Config and returns its settings
// as nested maps for viper. It reads the YAML as nodes, not maps, so that
// syntax errors, unknown keys and duplicates can be reported with their line.
// settings is nil only after a syntax error.
func parseYAML(name string, data []byte) (settings map[string]any, ps problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " ")
		ps.add("", fmt.Sprintf("%s: %s", name, msg),
			"correct the YAML there: indent with spaces, and quote values that contain \": \" or \" #\"")
		return nil, ps
	}
	settings = map[string]any{}
	if len(doc.Content) == 0 {
		return settings, nil // an empty file: every key keeps its default
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		ps.add("", fmt.Sprintf("%s: line %d: the top level is not a mapping of sections", name, root.Line),
			"start from config.example.yaml: sections such as smtp: with their keys indented below")
		return settings, ps
	}
	leaves := fieldsByKey()
	sections := map[string]bool{}
	for k := range leaves {
		sections[k[:strings.IndexByte(k, '.')]] = true
	}
	w := walker{name: name, leaves: leaves, seen: map[string]int{}}
	for k, v := range pairs(root) {
		if !sections[k.Value] {
			w.unknown(&ps, k.Value, k.Line)
			continue
		}
		if !w.first(&ps, k.Value, k.Line) {
			continue
		}
		if sec := w.section(&ps, k.Value, v); sec != nil {
			settings[k.Value] = sec
		}
	}
	return settings, ps
}

// walker carries what the key checks need while going through the file.
type walker struct {
	name   string
	leaves map[string]field
	seen   map[string]int // key → line of its first appearance
}

// section returns the known keys of one section, reporting the rest. A
// section left empty (all its keys commented out) is fine.
func (w *walker) section(ps *problems, sec string, v *yaml.Node) map[string]any {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		ps.add(sec, fmt.Sprintf("is not a section of keys (%s line %d)", w.name, v.Line),
			"indent its keys below it, as in config.example.yaml")
		return nil
	}
	out := map[string]any{}
	for k, v := range pairs(v) {
		key := sec + "." + k.Value
		if _, ok := w.leaves[key]; !ok {
			w.unknown(ps, key, k.Line)
			continue
		}
		// null keeps the default, as it does in viper; "" sets empty.
		if !w.first(ps, key, k.Line) || isNull(v) {
			continue
		}
		var val any
		if err := v.Decode(&val); err != nil {
			ps.add(key, fmt.Sprintf("cannot be read (%s line %d): %v", w.name, v.Line, err), "")
			continue
		}
		out[k.Value] = val
	}
	return out
}

// first reports whether key appears for the first time, reporting a repeat:
// YAML would silently keep only one of the two values.
func (w *walker) first(ps *problems, key string, line int) bool {
	if prev, dup := w.seen[key]; dup {
		ps.add(key, fmt.Sprintf("is set twice (%s lines %d and %d)", w.name, prev, line),
			"keep one of them")
		return false
	}
	w.seen[key] = line
	return true
}

// unknown reports a key Config has no field for, suggesting the key the
// operator probably meant.
func (w *walker) unknown(ps *problems, key string, line int) {
	fix := "remove it; config.example.yaml lists every key"
	if near := w.nearest(key); near != "" {
		fix = "did you mean " + near + "?"
	}
	ps.add(key, fmt.Sprintf("is not a known key (%s line %d)", w.name, line), fix)
}

// nearest returns the known key closest to key, if it is close enough to be
// a typo or a case slip: one edit in a short name, two in a longer one.
func (w *walker) nearest(key string) string {
	limit := 1
	if len(key[strings.LastIndexByte(key, '.')+1:]) > 5 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for k := range w.leaves {
		if !strings.Contains(key, ".") {
			k = k[:strings.IndexByte(k, '.')] // a section name
		}
		if d := distance(strings.ToLower(key), k); d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b:
// Levenshtein's, with a swap of two neighbours ("smpt") counting as one edit.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// pairs yields the key and value nodes of a mapping, following aliases.
func pairs(m *yaml.Node) func(yield func(k, v *yaml.Node) bool) {
	return func(yield func(k, v *yaml.Node) bool) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if !yield(m.Content[i], resolve(m.Content[i+1])) {
				return
			}
		}
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}
