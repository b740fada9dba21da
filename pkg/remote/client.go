package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Defaults for ClientConfig.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 10 << 20
	DefaultMaxRedirects     = 5
)

// ClientConfig configures a Client. The zero value is a safe production
// configuration.
type ClientConfig struct {
	// Timeout bounds a whole call, reading the body included (default
	// DefaultTimeout).
	Timeout time.Duration
	// MaxResponseBytes caps the response body (default
	// DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// MaxRedirects caps the redirects followed (default DefaultMaxRedirects;
	// negative means none).
	MaxRedirects int
	// AllowCustomPort lifts the default-port rule, as upstream's
	// --remote-allow-custom-port. Addresses are still checked.
	AllowCustomPort bool
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver *net.Resolver
	// InsecureAllowAddr is for tests only and must stay nil in production:
	// when it returns true for an address and port the policy would refuse
	// (typically one 127.0.0.1 test server), the connection is allowed.
	InsecureAllowAddr func(netip.AddrPort) bool
}

// Client is an HTTP client for untrusted destinations. Every connection
// checks the address actually dialled, so redirects and DNS rebinding are
// covered; URLs (the first and each redirect) must be http or https on the
// default port; no proxy is taken from the environment; bodies are capped and
// calls are bounded in time. A Client is safe for concurrent use.
type Client struct {
	cfg ClientConfig
	hc  *http.Client
}

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	c := &Client{cfg: cfg}
	dialer := &net.Dialer{
		Timeout:   min(cfg.Timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Resolver:  cfg.Resolver,
		Control:   c.control,
	}
	tr := &http.Transport{
		// No proxy: a proxy would be checked instead of the destination.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           8,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        60 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.hc = &http.Client{
		Transport:     tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: c.checkRedirect,
	}
	return c
}

// Do sends req after checking its URL, and returns the response with a body
// that fails with ErrResponseTooLarge past the size cap. A response that
// announces a larger Content-Length is refused up front. Errors wrap
// ErrBlockedDestination (as *BlockedError), ErrTimeout or ErrRequestFailed.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := c.checkURL(req.URL); err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, classify(err)
	}
	if resp.ContentLength > c.cfg.MaxResponseBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrResponseTooLarge,
			resp.ContentLength, c.cfg.MaxResponseBytes)
	}
	resp.Body = &limitedBody{rc: resp.Body, limit: c.cfg.MaxResponseBytes, remaining: c.cfg.MaxResponseBytes}
	return resp, nil
}

// CloseIdleConnections closes idle kept-alive connections.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// classify wraps a transport error with the package's sentinels, keeping a
// *BlockedError reachable with errors.As.
func classify(err error) error {
	// Drop the URL that *url.Error carries: it may hold secrets.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	var blocked *BlockedError
	switch {
	case errors.As(err, &blocked):
		return blocked
	case isTimeout(err):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		return fmt.Errorf("%w: %w", ErrRequestFailed, err)
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkRedirect applies the URL policy to every redirect target.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.cfg.MaxRedirects < 0 || len(via) > c.cfg.MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRequestFailed, max(c.cfg.MaxRedirects, 0))
	}
	return c.checkURL(req.URL)
}

// checkURL refuses other schemes than http and https, user information,
// non-default ports (unless allowed) and hosts refused by hostReason.
func (c *Client) checkURL(u *url.URL) error {
	if u == nil {
		return &BlockedError{Target: "<nil>", Reason: "no URL"}
	}
	target := u.Host
	if u.Scheme != "http" && u.Scheme != "https" {
		return &BlockedError{Target: target, Reason: "scheme " + strconv.Quote(u.Scheme) + " not allowed"}
	}
	if u.User != nil {
		return &BlockedError{Target: target, Reason: "user information in URL"}
	}
	host := u.Hostname()
	defPort := "80"
	if u.Scheme == "https" {
		defPort = "443"
	}
	port := u.Port()
	if port == "" {
		port = defPort
	}
	if a, err := netip.ParseAddr(host); err == nil && c.cfg.InsecureAllowAddr != nil {
		if p, err := strconv.ParseUint(port, 10, 16); err == nil &&
			c.cfg.InsecureAllowAddr(netip.AddrPortFrom(a.Unmap(), uint16(p))) {
			return nil
		}
	}
	if port != defPort && !c.cfg.AllowCustomPort {
		return &BlockedError{Target: target, Reason: "only the default port is allowed"}
	}
	if r := hostReason(host); r != "" {
		return &BlockedError{Target: target, Reason: r}
	}
	return nil
}

// control runs before every connect(2), on the address actually dialled.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Target: address, Reason: "unparsable address"}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if c.cfg.InsecureAllowAddr != nil && c.cfg.InsecureAllowAddr(ap) {
		return nil
	}
	if network != "tcp4" && network != "tcp6" {
		return &BlockedError{Target: address, Reason: "network " + network + " not allowed"}
	}
	if !c.cfg.AllowCustomPort && ap.Port() != 80 && ap.Port() != 443 {
		return &BlockedError{Target: ap.String(), Reason: "only ports 80 and 443 are allowed"}
	}
	if r := policyReason(ap.Addr()); r != "" {
		return &BlockedError{Target: ap.Addr().String(), Reason: r}
	}
	return nil
}

// limitedBody fails with ErrResponseTooLarge instead of truncating silently,
// and reports timeouts while reading as ErrTimeout.
type limitedBody struct {
	rc        io.ReadCloser
	limit     int64
	remaining int64
	err       error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.remaining+1 {
		p = p[:b.remaining+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.remaining {
		n = int(b.remaining)
		b.remaining = 0
		b.err = fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, b.limit)
		return n, b.err
	}
	b.remaining -= int64(n)
	if err != nil && err != io.EOF && isTimeout(err) {
		b.err = fmt.Errorf("%w: %w", ErrTimeout, err)
		return n, b.err
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
