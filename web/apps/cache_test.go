package apps_test

import (
	"testing"

	appsweb "github.com/cozypi/cozy/web/apps"
)

func TestCachingRule(t *testing.T) {
	cases := []struct {
		name  string
		index bool
		want  string
	}{
		{"app.badf00dbadf00d.js", false, "public, max-age=31536000, immutable"},
		{"icon.badbeefbadbeef.1.png", false, "public, max-age=31536000, immutable"},
		{"/js/vendor.0123456789.css", false, "public, max-age=31536000, immutable"},
		{"app.badf00d.js", false, "no-cache"},        // too short
		{"app.badf00dbadf00g.js", false, "no-cache"}, // not hex
		{"badf00dbadf00d.js", false, "public, max-age=31536000, immutable"},
		{"dir.badf00dbadf00d/app.js", false, "no-cache"}, // only the base name counts
		{"0123456789abcdef", false, "no-cache"},          // no extension: no part between dots
		{"app.js", false, "no-cache"},
		{"index.html", true, "private, no-store"},
		{"index.0123456789abc.html", true, "private, no-store"}, // the index carries a token
	}
	for _, c := range cases {
		if got := appsweb.CacheControl(c.name, c.index); got != c.want {
			t.Errorf("CacheControl(%q, %v) = %q, want %q", c.name, c.index, got, c.want)
		}
	}
}

func TestContentTypes(t *testing.T) {
	cases := map[string]struct {
		ct       string
		compress bool
	}{
		"a.js":         {"text/javascript; charset=utf-8", true},
		"a.css":        {"text/css; charset=utf-8", true},
		"a.html":       {"text/html; charset=utf-8", true},
		"a.json":       {"application/json", true},
		"a.svg":        {"image/svg+xml", true},
		"a.PNG":        {"image/png", false},
		"a.woff2":      {"font/woff2", false},
		"a.wasm":       {"application/wasm", true},
		"noext":        {"application/octet-stream", false},
		"x.unknownext": {"application/octet-stream", false},
	}
	for name, c := range cases {
		ct := appsweb.ContentType(name)
		if ct != c.ct || appsweb.Compressible(ct) != c.compress {
			t.Errorf("%s: %q compressible=%v, want %q %v", name, ct, appsweb.Compressible(ct), c.ct, c.compress)
		}
	}
}
