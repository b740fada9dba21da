package remote

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// Helpers usable in a body template as {{helper name}}.
const (
	helperNone  = ""
	helperJSON  = "json"
	helperHTML  = "html"
	helperQuery = "query"
	helperPath  = "path"
)

// segment is one piece of a template: literal text, or a variable with an
// optional helper.
type segment struct {
	lit    string
	name   string // variable name; empty for a literal
	helper string
}

// tmpl is a parsed template: a sequence of literals and variables.
type tmpl []segment

// escaper turns a variable value into the text injected in a template.
type escaper func(helper, value string) (string, error)

// parseTemplate splits s on {{ ... }} placeholders. A placeholder holds a
// variable name, or a helper and a variable name when allowHelpers is set.
func parseTemplate(s string, allowHelpers bool) (tmpl, error) {
	var out tmpl
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				out = append(out, segment{lit: s})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{lit: s[:i]})
		}
		rest := s[i+2:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			return nil, fmt.Errorf("unclosed {{ in %q", abbreviate(s[i:]))
		}
		inner := rest[:j]
		s = rest[j+2:]
		fields := strings.Fields(inner)
		var seg segment
		switch {
		case len(fields) == 1:
			seg.name = fields[0]
		case len(fields) == 2 && allowHelpers:
			switch fields[0] {
			case helperJSON, helperHTML, helperQuery, helperPath:
			default:
				return nil, fmt.Errorf("unknown helper %q in {{%s}}", fields[0], inner)
			}
			seg.helper, seg.name = fields[0], fields[1]
		case len(fields) == 2:
			return nil, fmt.Errorf("helpers are only allowed in the body: {{%s}}", inner)
		default:
			return nil, fmt.Errorf("malformed placeholder {{%s}}", inner)
		}
		if !validVarName(seg.name) {
			return nil, fmt.Errorf("invalid variable name %q", seg.name)
		}
		out = append(out, seg)
	}
}

// validVarName accepts ASCII letters, digits, '_', '-' and '.', starting
// with a letter, digit or '_'.
func validVarName(n string) bool {
	if n == "" || len(n) > 128 || n[0] == '.' || n[0] == '-' {
		return false
	}
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '_', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}

// vars appends the variable names used by t to dst.
func (t tmpl) vars(dst []string) []string {
	for _, s := range t {
		if s.name != "" {
			dst = append(dst, s.name)
		}
	}
	return dst
}

// hasVars reports whether t uses any variable.
func (t tmpl) hasVars() bool {
	for _, s := range t {
		if s.name != "" {
			return true
		}
	}
	return false
}

// render builds the text of t, looking values up with get and escaping them
// with esc.
func (t tmpl) render(get func(string) (string, error), esc escaper) (string, error) {
	var b strings.Builder
	for _, s := range t {
		if s.name == "" {
			b.WriteString(s.lit)
			continue
		}
		v, err := get(s.name)
		if err != nil {
			return "", err
		}
		e, err := esc(s.helper, v)
		if err != nil {
			return "", fmt.Errorf("variable %q: %w", s.name, err)
		}
		b.WriteString(e)
	}
	return b.String(), nil
}

// escapePathSegment escapes a value injected in the URL path: it cannot add
// a path separator, a query or a fragment.
func escapePathSegment(_, v string) (string, error) { return url.PathEscape(v), nil }

// escapeQueryValue escapes a value injected in the query string: it cannot
// add another parameter.
func escapeQueryValue(_, v string) (string, error) { return url.QueryEscape(v), nil }

// escapeHeaderValue refuses control characters (CR/LF injection) and
// otherwise keeps the value as is.
func escapeHeaderValue(_, v string) (string, error) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return "", fmt.Errorf("%w: control character in a header value", ErrInvalidVariable)
		}
	}
	return v, nil
}

// escapeBody applies the body helpers; without a helper the value is raw.
func escapeBody(helper, v string) (string, error) {
	switch helper {
	case helperNone:
		return v, nil
	case helperJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidVariable, err)
		}
		return string(b[1 : len(b)-1]), nil
	case helperHTML:
		return html.EscapeString(v), nil
	case helperQuery:
		return url.QueryEscape(v), nil
	case helperPath:
		return url.PathEscape(v), nil
	default:
		return "", fmt.Errorf("%w: unknown helper %q", ErrInvalidVariable, helper)
	}
}

// abbreviate shortens s for error messages.
func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
