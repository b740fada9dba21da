package instance

import (
	"net"
	"strings"
	"sync/atomic"
)

// Public is how instances are reached from outside: the scheme of their
// URLs and how their apps' sub-domains are named. It is the one answer to
// "is this https?" for cookies, HSTS, CSP origins, links, redirects and
// mail. One value is shared by a manager and every instance it returns,
// so a box that obtains its certificate switches every instance at once.
// The zero value is https with flat sub-domains, as upstream.
type Public struct {
	http   atomic.Bool // plain http: development, or a LAN without certificates
	nested atomic.Bool // apps at <slug>.<instance> instead of <instance>-<slug>.<rest>
}

// SetScheme sets the public scheme: "http", or anything else for https.
func (p *Public) SetScheme(scheme string) { p.http.Store(scheme == "http") }

// SetSubdomains sets how apps' sub-domains are named: "nested", or
// anything else for flat.
func (p *Public) SetSubdomains(mode string) { p.nested.Store(mode == "nested") }

// Scheme is "https" or "http".
func (p *Public) Scheme() string {
	if p != nil && p.http.Load() {
		return "http"
	}
	return "https"
}

// Nested tells whether apps live at <slug>.<instance>.
func (p *Public) Nested() bool { return p != nil && p.nested.Load() }

// Public returns the public settings the manager's instances share.
func (m *Manager) Public() *Public { return m.public }

// Scheme is the scheme of the instance's URLs: "https" or "http".
func (i *Instance) Scheme() string { return i.public.Scheme() }

// Secure tells whether the instance is served over https (cookies get the
// Secure flag, HSTS is sent).
func (i *Instance) Secure() bool { return i.Scheme() == "https" }

// Origin is the instance's origin: scheme and domain, no trailing slash.
func (i *Instance) Origin() string { return i.Scheme() + "://" + i.Domain }

// URL is the instance's base URL, with a trailing slash.
func (i *Instance) URL() string { return i.Origin() + "/" }

// PageURL is the absolute URL of path (which starts with "/") on the
// instance.
func (i *Instance) PageURL(path string) string { return i.Origin() + path }

// AppHost is the host of an app's sub-domain: <slug>.<domain> when nested,
// else <first label>-<slug>.<rest>, keeping the port.
func (i *Instance) AppHost(slug string) string {
	if i.public.Nested() {
		return slug + "." + i.Domain
	}
	host, port := i.Domain, ""
	if h, p, err := net.SplitHostPort(i.Domain); err == nil {
		host, port = h, ":"+p
	}
	first, rest, ok := strings.Cut(host, ".")
	if !ok {
		return first + "-" + slug + port
	}
	return first + "-" + slug + "." + rest + port
}

// AppOrigin is the origin of an app's sub-domain.
func (i *Instance) AppOrigin(slug string) string { return i.Scheme() + "://" + i.AppHost(slug) }

// AppURL is the base URL of an app, with a trailing slash.
func (i *Instance) AppURL(slug string) string { return i.AppOrigin(slug) + "/" }

// WithPublic returns a copy of the instance bound to p (for instances
// built outside a manager, in tests and tools).
func (i *Instance) WithPublic(p *Public) *Instance {
	c := *i
	c.public = p
	return &c
}
