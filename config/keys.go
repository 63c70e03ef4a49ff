package config

import (
	"reflect"
	"strings"
)

// field is one leaf key of Config, found by walking its mapstructure tags so
// the list of keys can never drift from the struct.
type field struct {
	key string // dotted, e.g. "smtp.listen"
	typ reflect.Type
	def any // the code default, from Default()
}

// fields lists every leaf key of Config in declaration order.
func fields() []field {
	var out []field
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		for i := range v.NumField() {
			key := prefix + v.Type().Field(i).Tag.Get("mapstructure")
			if f := v.Field(i); f.Kind() == reflect.Struct {
				walk(key+".", f)
			} else {
				out = append(out, field{key: key, typ: f.Type(), def: f.Interface()})
			}
		}
	}
	walk("", reflect.ValueOf(*Default()))
	return out
}

// fieldsByKey indexes fields by dotted key.
func fieldsByKey() map[string]field {
	m := map[string]field{}
	for _, f := range fields() {
		m[f.key] = f
	}
	return m
}

// envPrefix starts every environment override.
const envPrefix = "CASEMAIL"

// envName is the variable that overrides key: smtp.max_line_length →
// CASEMAIL_SMTP_MAX_LINE_LENGTH. It must match what viper looks up.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}
