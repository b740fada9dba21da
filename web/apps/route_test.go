package apps_test

import (
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	appsweb "github.com/cozypi/cozy/web/apps"
)

func TestMatchRoute(t *testing.T) {
	routes := map[string]apps.Route{
		"/admin":  {Folder: "/", Index: "admin.html"},
		"/public": {Folder: "/public", Index: "index.html", Public: true},
		"/assets": {Folder: "/public-assets", Public: true},
		"/":       {Folder: "/", Index: "index.html"},
	}
	cases := []struct {
		path, prefix, file string
		index, public, ok  bool
	}{
		{"/", "/", "/index.html", true, false, true},
		{"", "/", "/index.html", true, false, true},
		{"/admin", "/admin", "/admin.html", true, false, true},
		{"/admin/", "/admin", "/admin.html", true, false, true},
		{"/admin/x.js", "/admin", "/x.js", false, false, true},
		{"/administrator", "/", "/administrator", false, false, true}, // not under /admin
		{"/public", "/public", "/public/index.html", true, true, true},
		{"/public/img/a.png", "/public", "/public/img/a.png", false, true, true},
		{"/assets/css/theme.css", "/assets", "/public-assets/css/theme.css", false, true, true},
		{"/assets", "", "", false, false, false}, // a route without index has no exact match
		{"/js/app.js", "/", "/js/app.js", false, false, true},
		{"/../etc/passwd", "", "", false, false, false},
		{"/public/../../x", "", "", false, false, false},
		{"relative", "", "", false, false, false},
	}
	for _, c := range cases {
		m, ok := appsweb.MatchRoute(routes, c.path)
		if ok != c.ok {
			t.Errorf("%q: ok=%v, want %v", c.path, ok, c.ok)
			continue
		}
		if ok && (m.Prefix != c.prefix || m.File != c.file || m.Index != c.index || m.Route.Public != c.public) {
			t.Errorf("%q: got %+v, want prefix %q file %q index %v public %v", c.path, m, c.prefix, c.file, c.index, c.public)
		}
	}
	if _, ok := appsweb.MatchRoute(map[string]apps.Route{"/public": {Folder: "/p", Index: "i.html"}}, "/"); ok {
		t.Error("a path under no route matched")
	}
}
