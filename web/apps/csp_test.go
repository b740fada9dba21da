package apps_test

import (
	"strings"
	"testing"

	appsweb "github.com/cozypi/cozy/web/apps"
)

func TestCSP(t *testing.T) {
	cases := []struct {
		inst string
		want []string // directives that must be present
		not  []string // substrings that must not
	}{
		{"https://alice.example.net", []string{
			"default-src 'self' https://alice.example.net",
			"connect-src 'self' https://alice.example.net wss://alice.example.net",
			"script-src 'self' 'unsafe-inline' https://alice.example.net",
			"frame-ancestors 'self' https://alice.example.net",
			"object-src 'none'", "base-uri 'self'",
		}, []string{"*", "unsafe-eval", "http://"}},
		{"http://alice.cozy.localhost:8080", []string{
			"connect-src 'self' http://alice.cozy.localhost:8080 ws://alice.cozy.localhost:8080",
			"img-src 'self' data: blob: http://alice.cozy.localhost:8080",
		}, []string{"*", "https://"}},
	}
	for _, c := range cases {
		got := appsweb.CSP(c.inst)
		directives := map[string]bool{}
		for _, d := range strings.Split(got, "; ") {
			directives[d] = true
		}
		for _, w := range c.want {
			if !directives[w] {
				t.Errorf("CSP(%q) lacks %q: %s", c.inst, w, got)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("CSP(%q) contains %q: %s", c.inst, n, got)
			}
		}
	}
}
