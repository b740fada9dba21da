package remote

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		helpers bool
		want    tmpl
		wantErr bool
	}{
		{name: "literal", in: "abc", want: tmpl{{lit: "abc"}}},
		{name: "empty", in: "", want: nil},
		{name: "variable", in: "a{{x}}b", want: tmpl{{lit: "a"}, {name: "x"}, {lit: "b"}}},
		{name: "spaces", in: "{{ url }}", want: tmpl{{name: "url"}}},
		{name: "helper in body", in: "{{json v}}", helpers: true, want: tmpl{{name: "v", helper: "json"}}},
		{name: "all helpers", in: "{{html a}}{{query b}}{{path c}}", helpers: true,
			want: tmpl{{name: "a", helper: "html"}, {name: "b", helper: "query"}, {name: "c", helper: "path"}}},
		{name: "lone closing braces are literal", in: `{"a":{"b":1}}`, want: tmpl{{lit: `{"a":{"b":1}}`}}},
		{name: "helper outside body", in: "{{json v}}", wantErr: true},
		{name: "unknown helper", in: "{{js v}}", helpers: true, wantErr: true},
		{name: "unclosed", in: "a{{x", wantErr: true},
		{name: "empty placeholder", in: "{{ }}", wantErr: true},
		{name: "three fields", in: "{{a b c}}", helpers: true, wantErr: true},
		{name: "bad name", in: "{{a/b}}", wantErr: true},
		{name: "template action", in: "{{.x}}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTemplate(tt.in, tt.helpers)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseTemplate(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTemplate(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseTemplate(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapers(t *testing.T) {
	tests := []struct {
		name   string
		esc    escaper
		helper string
		in     string
		want   string
	}{
		{"path segment", escapePathSegment, "", "a b/c?d#e%", "a%20b%2Fc%3Fd%23e%25"},
		{"query value", escapeQueryValue, "", "a b&c=d#é", "a+b%26c%3Dd%23%C3%A9"},
		{"header value", escapeHeaderValue, "", "Bearer a\tb", "Bearer a\tb"},
		{"body raw", escapeBody, "", `{"x":"<y>"}`, `{"x":"<y>"}`},
		{"body json", escapeBody, "json", "say \"hi\"\n\\", `say \"hi\"\n\\`},
		{"body html", escapeBody, "html", `<a href="x">&'`, "&lt;a href=&#34;x&#34;&gt;&amp;&#39;"},
		{"body query", escapeBody, "query", "a b&c", "a+b%26c"},
		{"body path", escapeBody, "path", "a b/c", "a%20b%2Fc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.esc(tt.helper, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEscapeHeaderValueRefusesControls(t *testing.T) {
	for _, v := range []string{"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb"} {
		if _, err := escapeHeaderValue("", v); !errors.Is(err, ErrInvalidVariable) {
			t.Errorf("escapeHeaderValue(%q) error = %v, want ErrInvalidVariable", v, err)
		}
	}
}

func TestTemplateVars(t *testing.T) {
	tp, err := parseTemplate("{{a}}-{{json b}}-{{a}}", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := tp.vars(nil); !reflect.DeepEqual(got, []string{"a", "b", "a"}) {
		t.Errorf("vars = %v", got)
	}
	if !tp.hasVars() {
		t.Error("hasVars = false")
	}
}
