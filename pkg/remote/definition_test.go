package remote

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseRequestValid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		verb    string
		rawURL  string
		vars    []string
		secrets []string
		headers []string
		hasBody bool
		port    string
		host    string
	}{
		{
			name:   "GET with query variable",
			in:     "GET https://www.wikidata.org/w/api.php?action=wbsearchentities&search={{q}}&language=en&format=json\n",
			verb:   "GET",
			rawURL: "https://www.wikidata.org/w/api.php?action=wbsearchentities&search={{q}}&language=en&format=json",
			vars:   []string{"q"},
			host:   "www.wikidata.org",
		},
		{
			name:    "POST with headers and body",
			in:      "POST https://dacc.cozycloud.cc/{{path}}\nAuthorization: Bearer {{secret_token}}\nContent-Type: application/json\n\n{{data}}\n",
			verb:    "POST",
			rawURL:  "https://dacc.cozycloud.cc/{{path}}",
			vars:    []string{"data", "path", "secret_token"},
			secrets: []string{"token"},
			headers: []string{"Authorization", "Content-Type"},
			hasBody: true,
			host:    "dacc.cozycloud.cc",
		},
		{
			name:    "CRLF, HTTP version, custom port",
			in:      "GET http://example.org:8080/baz/ HTTP/1.1\r\nX-Api-Key: {{ secret_key }}\r\n",
			verb:    "GET",
			rawURL:  "http://example.org:8080/baz/",
			vars:    []string{"secret_key"},
			secrets: []string{"key"},
			headers: []string{"X-Api-Key"},
			port:    "8080",
			host:    "example.org",
		},
		{
			name:    "GET with empty body after blank line",
			in:      "GET https://a.example/x?k={{k}}\nContent-Type: application/json\n\n\n",
			verb:    "GET",
			rawURL:  "https://a.example/x?k={{k}}",
			vars:    []string{"k"},
			headers: []string{"Content-Type"},
			host:    "a.example",
		},
		{
			name:   "POST without body",
			in:     "POST https://maps.googleapis.com/maps/api/js?key={{key}}&callback=initMap",
			verb:   "POST",
			rawURL: "https://maps.googleapis.com/maps/api/js?key={{key}}&callback=initMap",
			vars:   []string{"key"},
			host:   "maps.googleapis.com",
		},
		{
			name:    "body helpers",
			in:      "POST https://a.example/\n\n{\"k\": \"{{json v}}\", \"u\": \"http://b.example/{{path p}}?q={{query q}}\", \"h\": \"{{html h}}\"}",
			verb:    "POST",
			rawURL:  "https://a.example/",
			vars:    []string{"h", "p", "q", "v"},
			hasBody: true,
			host:    "a.example",
		},
		{
			name:   "IPv6 literal host",
			in:     "GET https://[2606:4700::1]/x",
			verb:   "GET",
			rawURL: "https://[2606:4700::1]/x",
			host:   "2606:4700::1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, err := ParseRequest(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseRequest: %v", err)
			}
			if def.Verb != tt.verb || def.RawURL != tt.rawURL {
				t.Errorf("verb, url = %q, %q; want %q, %q", def.Verb, def.RawURL, tt.verb, tt.rawURL)
			}
			if got := def.Variables(); !reflect.DeepEqual(got, tt.vars) && (len(got) > 0 || len(tt.vars) > 0) {
				t.Errorf("Variables = %v, want %v", got, tt.vars)
			}
			if got := def.SecretNames(); !reflect.DeepEqual(got, tt.secrets) {
				t.Errorf("SecretNames = %v, want %v", got, tt.secrets)
			}
			var names []string
			for _, h := range def.headers {
				names = append(names, h.name)
			}
			if !reflect.DeepEqual(names, tt.headers) {
				t.Errorf("headers = %v, want %v", names, tt.headers)
			}
			if def.HasBody() != tt.hasBody {
				t.Errorf("HasBody = %v, want %v", def.HasBody(), tt.hasBody)
			}
			if def.Port() != tt.port || def.Host() != tt.host {
				t.Errorf("Host, Port = %q, %q; want %q, %q", def.Host(), def.Port(), tt.host, tt.port)
			}
		})
	}
}

func TestParseRequestInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"blank lines only", "\n\n  \n"},
		{"verb only", "GET\n"},
		{"unsupported verb", "DELETE https://a.example/\n"},
		{"lowercase verb", "get https://a.example/\n"},
		{"relative URL", "GET /a/b\n"},
		{"ftp scheme", "GET ftp://a.example/\n"},
		{"file scheme", "GET file:///etc/passwd\n"},
		{"variable in host", "GET https://{{host}}/x\n"},
		{"variable in port", "GET https://a.example:{{p}}/x\n"},
		{"user info", "GET https://user:pw@a.example/\n"},
		{"fragment", "GET https://a.example/x#frag\n"},
		{"empty host", "GET https:///x\n"},
		{"space in path", "GET https://a.example/a b c\n"},
		{"header without colon", "GET https://a.example/\nAccept application/json\n"},
		{"bad header name", "GET https://a.example/\nBad Name: x\n"},
		{"folded header", "GET https://a.example/\nAccept: a\n continued\n"},
		{"host header", "GET https://a.example/\nHost: evil.example\n"},
		{"content-length header", "POST https://a.example/\nContent-Length: 3\n\nabc"},
		{"transfer-encoding header", "POST https://a.example/\nTransfer-Encoding: chunked\n\nabc"},
		{"helper in header", "GET https://a.example/\nX-A: {{json v}}\n"},
		{"helper in URL", "GET https://a.example/{{path p}}\n"},
		{"unknown body helper", "POST https://a.example/\n\n{{js v}}"},
		{"unclosed placeholder", "GET https://a.example/{{p\n"},
		{"body on GET", "GET https://a.example/\n\n{\"a\":1}"},
		{"too large", "POST https://a.example/\n\n" + strings.Repeat("x", MaxDefinitionSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, err := ParseRequest(strings.NewReader(tt.in))
			if !errors.Is(err, ErrInvalidDefinition) {
				t.Fatalf("ParseRequest = %+v, %v; want ErrInvalidDefinition", def, err)
			}
		})
	}
}

func TestParseRequestKeepsBodyLayout(t *testing.T) {
	in := "POST https://a.example/\nContent-Type: application/json\n\n{\n  \"a\": \"{{json v}}\"\n}\n\n"
	def, err := ParseRequest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(def, map[string]string{"v": "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"a\": \"x\"\n}"; string(r.Body) != want {
		t.Errorf("body = %q, want %q", r.Body, want)
	}
}
