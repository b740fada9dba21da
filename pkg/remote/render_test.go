package remote

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *Definition {
	t.Helper()
	def, err := ParseRequest(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ParseRequest(%q): %v", s, err)
	}
	return def
}

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		params  map[string]string
		secrets map[string]string
		url     string
		logURL  string
		header  http.Header
		body    string
	}{
		{
			name:   "query escaping",
			def:    "GET https://www.wikidata.org/w/api.php?action=wbsearchentities&search={{q}}&language=en&format=json",
			params: map[string]string{"q": "Douglas Adams&format=xml#x", "comment": "ignored"},
			url:    "https://www.wikidata.org/w/api.php?action=wbsearchentities&search=Douglas+Adams%26format%3Dxml%23x&language=en&format=json",
		},
		{
			name:   "path escaping",
			def:    "GET https://www.wikidata.org/wiki/Special:EntityData/{{entity}}.json",
			params: map[string]string{"entity": "../../admin?x=1"},
			url:    "https://www.wikidata.org/wiki/Special:EntityData/..%2F..%2Fadmin%3Fx=1.json",
		},
		{
			name:   "spaces in placeholder",
			def:    "GET https://announcements.cozycloud.cc/api/public-announcements?lang={{ lang }}&channels={{ channels }}",
			params: map[string]string{"lang": "fr", "channels": "a,b c"},
			url:    "https://announcements.cozycloud.cc/api/public-announcements?lang=fr&channels=a%2Cb+c",
		},
		{
			name:    "secret in query is redacted in the log URL",
			def:     "GET https://img.omdbapi.com/?apikey={{secret_key}}&i={{i}}",
			params:  map[string]string{"i": "tt0371724"},
			secrets: map[string]string{"key": "s3cr3t&x"},
			url:     "https://img.omdbapi.com/?apikey=s3cr3t%26x&i=tt0371724",
			logURL:  "https://img.omdbapi.com/?apikey=REDACTED&i=tt0371724",
		},
		{
			name:    "headers",
			def:     "POST https://errors.cozycloud.cc/api/{{project}}/store/\nX-Sentry-Auth: Sentry sentry_version={{v}}, sentry_key={{secret_key}}\nUser-Agent: custom/1\n\n{{data}}\n",
			params:  map[string]string{"project": "12", "v": "7", "data": `{"a":1}`},
			secrets: map[string]string{"key": "k"},
			url:     "https://errors.cozycloud.cc/api/12/store/",
			header: http.Header{
				"X-Sentry-Auth": {"Sentry sentry_version=7, sentry_key=k"},
				"User-Agent":    {"custom/1"},
			},
			body: `{"a":1}`,
		},
		{
			name: "body helpers",
			def: "POST https://a.example/\nContent-Type: application/json\n\n" +
				`{"key": "{{json value}}", "url": "http://b.example/{{path p}}?q={{query q}}", "h": "{{html h}}"}`,
			params: map[string]string{"value": "a\"b\n", "p": "x/y z", "q": "1&2", "h": "<b>"},
			url:    "https://a.example/",
			header: http.Header{"Content-Type": {"application/json"}},
			body:   `{"key": "a\"b\n", "url": "http://b.example/x%2Fy%20z?q=1%262", "h": "&lt;b&gt;"}`,
		},
		{
			name:   "empty value counts as given",
			def:    "GET https://a.example/x?q={{q}}",
			params: map[string]string{"q": ""},
			url:    "https://a.example/x?q=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Render(mustParse(t, tt.def), tt.params, tt.secrets)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := r.URL.String(); got != tt.url {
				t.Errorf("URL = %q, want %q", got, tt.url)
			}
			wantLog := tt.logURL
			if wantLog == "" {
				wantLog = tt.url
			}
			if r.LogURL != wantLog {
				t.Errorf("LogURL = %q, want %q", r.LogURL, wantLog)
			}
			if tt.header == nil {
				tt.header = http.Header{}
			}
			if len(r.Header) != len(tt.header) {
				t.Errorf("Header = %v, want %v", r.Header, tt.header)
			}
			for k, v := range tt.header {
				if got := r.Header.Get(k); got != v[0] {
					t.Errorf("Header %s = %q, want %q", k, got, v[0])
				}
			}
			if string(r.Body) != tt.body {
				t.Errorf("Body = %q, want %q", r.Body, tt.body)
			}
		})
	}
}

func TestRenderMissingVariable(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		params  map[string]string
		secrets map[string]string
		missing string
	}{
		{"path", "GET https://a.example/{{p}}", nil, nil, "p"},
		{"query", "GET https://a.example/?q={{q}}", map[string]string{"Q": "case matters"}, nil, "q"},
		{"header", "GET https://a.example/\nX-A: {{a}}", nil, nil, "a"},
		{"body", "POST https://a.example/\n\n{{json b}}", nil, nil, "b"},
		{"secret absent", "GET https://a.example/\nAuthorization: Bearer {{secret_token}}", nil, nil, "secret_token"},
		{"secret not taken from params", "GET https://a.example/\nAuthorization: Bearer {{secret_token}}",
			map[string]string{"secret_token": "from-app"}, nil, "secret_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(mustParse(t, tt.def), tt.params, tt.secrets)
			var mv *MissingVariableError
			if !errors.As(err, &mv) || mv.Name != tt.missing {
				t.Fatalf("Render error = %v, want MissingVariableError{%s}", err, tt.missing)
			}
			if !errors.Is(err, ErrMissingVariable) {
				t.Error("errors.Is(err, ErrMissingVariable) = false")
			}
			if mv.Error() != "a variable is used in the template, but no value was given" {
				t.Errorf("message = %q, not upstream's", mv.Error())
			}
			if PublicMessage(err) != mv.Error() || HTTPStatus(err) != http.StatusBadRequest {
				t.Errorf("PublicMessage, HTTPStatus = %q, %d", PublicMessage(err), HTTPStatus(err))
			}
		})
	}
}

func TestRenderHeaderInjection(t *testing.T) {
	def := mustParse(t, "GET https://a.example/\nX-A: {{a}}\nAuthorization: Bearer {{secret_t}}")
	tests := []struct {
		name    string
		params  map[string]string
		secrets map[string]string
	}{
		{"CRLF from the app", map[string]string{"a": "x\r\nX-Injected: 1"}, map[string]string{"t": "ok"}},
		{"LF from a secret", map[string]string{"a": "x"}, map[string]string{"t": "ok\nX-Injected: 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(def, tt.params, tt.secrets)
			if !errors.Is(err, ErrInvalidVariable) {
				t.Fatalf("Render error = %v, want ErrInvalidVariable", err)
			}
			if strings.Contains(err.Error(), "X-Injected") || strings.Contains(err.Error(), "ok") {
				t.Errorf("error %q leaks the value", err)
			}
		})
	}
}

func TestRenderedNewRequest(t *testing.T) {
	def := mustParse(t, "POST https://a.example/p?q={{q}}\nContent-Type: text/plain\n\nhello {{name}}")
	r, err := Render(def, map[string]string{"q": "1", "name": "bob"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := r.NewRequest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.URL.String() != "https://a.example/p?q=1" ||
		req.Header.Get("Content-Type") != "text/plain" || req.ContentLength != 9 {
		t.Errorf("request = %s %s %v len %d", req.Method, req.URL, req.Header, req.ContentLength)
	}
	b, _ := io.ReadAll(req.Body)
	if string(b) != "hello bob" {
		t.Errorf("body = %q", b)
	}
	if _, err := Render(nil, nil, nil); !errors.Is(err, ErrInvalidDefinition) {
		t.Errorf("Render(nil) error = %v", err)
	}
}
