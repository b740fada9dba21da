package services

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// originOf returns the origin ("scheme://host[:port]") of an absolute http or
// https URL, lower-cased and without a default port.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	return originOfURL(u)
}

// originOfURL is originOf for a parsed URL.
func originOfURL(u *url.URL) (string, error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("URL %q: scheme must be http or https", u.Redacted())
	}
	if u.User != nil {
		return "", fmt.Errorf("URL %q: credentials in URLs are not allowed", u.Redacted())
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", fmt.Errorf("URL %q has no host", u.Redacted())
	}
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}

// originSet answers whether a URL may be fetched.
type originSet map[string]bool

// newOriginSet builds the set from origins already normalised by originOf.
func newOriginSet(origins []string) originSet {
	s := make(originSet, len(origins))
	for _, o := range origins {
		s[o] = true
	}
	return s
}

// check returns the URL's origin, or an error if it is not in the set.
func (s originSet) check(u *url.URL) (string, error) {
	o, err := originOfURL(u)
	if err != nil {
		return "", err
	}
	if !s[o] {
		return o, fmt.Errorf("origin %s is not allowed for this service", o)
	}
	return o, nil
}
