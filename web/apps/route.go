package apps

import (
	"path"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
)

// Match is the route serving a request path, and the file to send.
type Match struct {
	Route apps.Route
	// Prefix is the route's path.
	Prefix string
	// File is the path of the file in the package, "/"-rooted.
	File string
	// Index tells that the file is the route's index (a template).
	Index bool
}

// MatchRoute picks the most specific route of routes for the request path
// p: the longest route path that is p or a parent of it. An exact match
// (or the route with a trailing slash) serves the route's index; a longer
// path maps into the route's folder. ok is false when no route matches or
// the path climbs out.
func MatchRoute(routes map[string]apps.Route, p string) (Match, bool) {
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "\x00") {
		return Match{}, false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return Match{}, false
		}
	}
	best, found := "", false
	for prefix := range routes {
		if !underRoute(prefix, p) {
			continue
		}
		if !found || len(prefix) > len(best) {
			best, found = prefix, true
		}
	}
	if !found {
		return Match{}, false
	}
	r := routes[best]
	rest := strings.TrimPrefix(p, strings.TrimSuffix(best, "/"))
	if rest == "" || rest == "/" {
		if r.Index == "" {
			return Match{}, false
		}
		return Match{Route: r, Prefix: best, File: path.Join(r.Folder, r.Index), Index: true}, true
	}
	return Match{Route: r, Prefix: best, File: path.Join(r.Folder, rest)}, true
}

// underRoute reports whether p is the route path prefix or below it.
func underRoute(prefix, p string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return true
	}
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
