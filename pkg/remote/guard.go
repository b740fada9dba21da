package remote

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Origin is the scheme://host:port of u, lower-cased, with the scheme's
// default port made explicit, so that two spellings of one origin compare
// equal. It is "" for a URL without a scheme or a host.
func Origin(u *url.URL) string {
	if u == nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		case "git":
			port = "9418"
		case "ssh", "git+ssh":
			port = "22"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Guarded is an HTTP transport for URLs that come from users, with a few
// origins the configuration trusts. A request to a trusted origin is sent
// as is (a registry on loopback in development is allowed because the
// configuration names it); any other one goes through Client's policy:
// http or https only, no user information, the address actually dialled
// must be public (checked at connect time, so DNS rebinding is covered),
// no proxy from the environment. Each hop of a redirect is judged on its
// own origin. Every response body is capped like Client's.
type Guarded struct {
	guarded *Client
	open    *http.Transport
	trusted map[string]bool
	max     int64
}

// NewGuarded returns a Guarded transport for cfg (its Timeout bounds the
// wait for headers, its MaxResponseBytes the bodies) trusting the origins
// of the trusted URLs. An unparsable trusted URL is an error.
func NewGuarded(cfg ClientConfig, trusted []string) (*Guarded, error) {
	c := NewClient(cfg)
	g := &Guarded{guarded: c, trusted: map[string]bool{}, max: c.cfg.MaxResponseBytes}
	for _, raw := range trusted {
		u, err := url.Parse(raw)
		if err != nil || Origin(u) == "" {
			return nil, fmt.Errorf("remote: trusted origin %q: not an absolute URL", raw)
		}
		g.trusted[Origin(u)] = true
	}
	g.open = &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: min(c.cfg.Timeout, 10*time.Second)}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   c.cfg.Timeout,
		ResponseHeaderTimeout: c.cfg.Timeout,
		DisableCompression:    true,
	}
	return g, nil
}

// Trusted reports whether u's origin is one the configuration trusts.
func (g *Guarded) Trusted(u *url.URL) bool { return g.trusted[Origin(u)] }

// RoundTrip sends req to a trusted origin directly and to any other one
// through the address policy. A refused destination is a *BlockedError
// (errors.Is ErrBlockedDestination); a body past the cap fails with
// ErrResponseTooLarge.
func (g *Guarded) RoundTrip(req *http.Request) (*http.Response, error) {
	var res *http.Response
	var err error
	if g.Trusted(req.URL) {
		res, err = g.open.RoundTrip(req)
	} else {
		if err := g.guarded.checkURL(req.URL); err != nil {
			return nil, err
		}
		res, err = g.guarded.hc.Transport.RoundTrip(req)
	}
	if err != nil {
		return nil, classify(err)
	}
	if res.ContentLength > g.max {
		res.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrResponseTooLarge, res.ContentLength, g.max)
	}
	res.Body = &limitedBody{rc: res.Body, limit: g.max, remaining: g.max}
	return res, nil
}

// HTTPClient returns an http.Client over g, following at most the
// configured number of redirects, each judged by RoundTrip, and bounding
// a whole call (body included) by the configured Timeout.
func (g *Guarded) HTTPClient() *http.Client {
	return &http.Client{Transport: g, Timeout: g.guarded.cfg.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if g.guarded.cfg.MaxRedirects < 0 || len(via) > g.guarded.cfg.MaxRedirects {
			return fmt.Errorf("%w: more than %d redirects", ErrRequestFailed, max(g.guarded.cfg.MaxRedirects, 0))
		}
		return nil
	}}
}

// CheckHost resolves host (a name or an IP literal, without port) and
// refuses it, with a *BlockedError, when it or any of its addresses falls
// under the address policy. It is for connections made by other programs
// (git), which cannot be checked at connect time: a name that resolves
// differently later (DNS rebinding) is not covered.
func (g *Guarded) CheckHost(ctx context.Context, host string) error {
	if r := hostReason(host); r != "" {
		return &BlockedError{Target: host, Reason: r}
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return nil
	}
	res := g.guarded.cfg.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, err := res.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: resolve %s: %w", ErrRequestFailed, host, err)
	}
	for _, a := range addrs {
		if r := policyReason(a); r != "" {
			return &BlockedError{Target: host + " (" + a.String() + ")", Reason: r}
		}
	}
	return nil
}

// CloseIdleConnections closes the kept-alive connections of both paths.
func (g *Guarded) CloseIdleConnections() {
	g.open.CloseIdleConnections()
	g.guarded.CloseIdleConnections()
}

// DialContext connects to addr (host:port) for another program's traffic
// (a proxy in front of git): an address of a trusted origin is dialled
// as is; any other one must pass the host name rules and, at connect
// time, the address policy.
func (g *Guarded) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &BlockedError{Target: addr, Reason: "unparsable address"}
	}
	for o := range g.trusted {
		if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Host, addr) {
			return (&net.Dialer{Timeout: min(g.guarded.cfg.Timeout, 10*time.Second)}).DialContext(ctx, network, addr)
		}
	}
	if r := hostReason(host); r != "" {
		return nil, &BlockedError{Target: host, Reason: r}
	}
	conn, err := g.guarded.hc.Transport.(*http.Transport).DialContext(ctx, network, addr)
	if err != nil {
		return nil, classify(err)
	}
	return conn, nil
}
