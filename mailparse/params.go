package mailparse

import (
	"sort"
	"strconv"
	"strings"
)

// parseParams splits a Content-Type or Content-Disposition value into its
// lower-cased main value and its parameters (RFC 2045 section 5.1, RFC 2183).
// It is more forgiving than mime.ParseMediaType, which rejects the whole
// header over one bad parameter and decodes RFC 2231 values only in UTF-8
// and ASCII: here a bad parameter is skipped, unquoted values may hold
// spaces, and RFC 2231 values in any charset are decoded.
func parseParams(v string) (value string, params map[string]string) {
	v = strings.TrimSpace(v)
	end := strings.IndexAny(v, "; \t")
	if end < 0 {
		end = len(v)
	}
	value = strings.ToLower(strings.Trim(v[:end], `"`))
	params = map[string]string{}
	raw := map[string]string{} // RFC 2231 pieces, by their full name
	rest := v[end:]
	for rest != "" {
		rest = strings.TrimLeft(rest, "; \t")
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		if i := strings.LastIndexAny(name, "; \t"); i >= 0 {
			name = name[i+1:] // junk before the name, e.g. a missing ';'
		}
		var val string
		val, rest = paramValue(rest[eq+1:])
		if name == "" {
			continue
		}
		if strings.Contains(name, "*") {
			raw[name] = val
		} else if _, dup := params[name]; !dup {
			params[name] = val
		}
	}
	for name, val := range joinRFC2231(raw) {
		params[name] = val
	}
	return value, params
}

// paramValue reads a quoted string or a token from the start of s and
// returns it with the rest of s after the next ';'.
func paramValue(s string) (val, rest string) {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, `"`) {
		var sb strings.Builder
		i := 1
		for ; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				sb.WriteByte(s[i])
				continue
			}
			if c == '"' {
				break
			}
			sb.WriteByte(c)
		}
		rest = ""
		if i < len(s) {
			rest = s[i+1:]
		}
		if j := strings.IndexByte(rest, ';'); j >= 0 {
			rest = rest[j:]
		} else {
			rest = ""
		}
		return sb.String(), rest
	}
	if j := strings.IndexByte(s, ';'); j >= 0 {
		return strings.TrimSpace(s[:j]), s[j:]
	}
	return strings.TrimSpace(s), ""
}

type rfc2231Piece struct {
	index   int
	encoded bool
	value   string
}

// joinRFC2231 assembles parameter value continuations and decodes their
// charset (RFC 2231 sections 3 and 4): name*=utf-8”a%20b, or name*0*=...,
// name*1=... Only the first piece carries the charset.
func joinRFC2231(raw map[string]string) map[string]string {
	pieces := map[string][]rfc2231Piece{}
	for key, val := range raw {
		base, suffix, _ := strings.Cut(key, "*")
		p := rfc2231Piece{value: val}
		switch {
		case suffix == "":
			p.encoded = true
		default:
			p.encoded = strings.HasSuffix(suffix, "*")
			n, err := strconv.Atoi(strings.TrimSuffix(suffix, "*"))
			if err != nil || n < 0 || n > 999 {
				continue
			}
			p.index = n
		}
		pieces[base] = append(pieces[base], p)
	}
	out := map[string]string{}
	for base, ps := range pieces {
		sort.Slice(ps, func(i, j int) bool { return ps[i].index < ps[j].index })
		var buf []byte
		cs := ""
		for i, p := range ps {
			if !p.encoded {
				buf = append(buf, p.value...)
				continue
			}
			v := p.value
			if i == 0 {
				if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
					cs, v = parts[0], parts[2]
				}
			}
			buf = append(buf, percentDecode(v)...)
		}
		if cs == "" {
			out[base] = fallbackLatin(buf)
			continue
		}
		out[base], _ = decodeCharset(buf, cs)
	}
	return out
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
