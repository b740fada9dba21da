package box

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// HTTPS modes: how the box gets HTTPS.
const (
	// ModeDomain uses a domain of the household's (own or a free dynamic
	// one): certificates for <domain> and *.<domain> by ACME DNS-01.
	ModeDomain = "domain"
	// ModeLAN uses a box-local CA, name-constrained to .local names and
	// LAN addresses, whose root each device installs.
	ModeLAN = "lan"
	// ModeLater stays on plain HTTP on the LAN for now: passphrases are
	// derived in the browser, but sessions and data travel in clear.
	ModeLater = "later"
)

// States of Status.State.
const (
	StateNone      = "none"                  // nothing configured
	StateHTTP      = "plain http"            // the "later" choice: no certificate wanted
	StateWaitDNS   = "waiting for DNS"       // DNS-01 records published, waiting for them to propagate
	StateObtaining = "obtaining certificate" // an order or a CA issuance in progress
	StateReady     = "ready"                 // certificates valid and served
	StateFailed    = "failed"                // see Status.LastError
)

// Choice is how the household chose to get HTTPS, as plain data that the
// certificates manager configures itself from.
type Choice struct {
	Mode string `json:"mode"`
	// Domain is the household's domain (ModeDomain).
	Domain string `json:"domain,omitempty"`
	// Provider is the DNS provider answering DNS-01 challenges for Domain:
	// one of Providers' keys.
	Provider string `json:"provider,omitempty"`
	// Credentials are the provider's fields (see Providers).
	Credentials map[string]string `json:"credentials,omitempty"`
	// Names are the names the certificates must cover from the start:
	// <domain> and *.<domain>, or <box>.local.
	Names []string `json:"names,omitempty"`
	// OnDemand are patterns ("cozy-*.local") of names whose leaves the box
	// CA issues when first asked (the apps' flat sub-domains on the LAN).
	OnDemand []string `json:"on_demand,omitempty"`
}

// Status is the certificates' progress, as plain data.
type Status struct {
	State       string    `json:"state"`
	Names       []string  `json:"names,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
	NextRenewal time.Time `json:"next_renewal,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// RootCA is the PEM root of the box CA (ModeLAN), offered to devices.
	RootCA []byte `json:"-"`
}

// Certificates is the box's certificates manager (appliance/certs). It
// owns its background work (orders, renewals); Box only tells it what the
// household chose and reads its progress.
type Certificates interface {
	// Configure starts getting certificates for c and returns once the
	// work is started: an error means c cannot be used (unknown provider,
	// credentials refused). It is called again with the stored choice at
	// every start, so it must accept the choice it already has.
	Configure(ctx context.Context, c Choice) error
	// Status is the current progress; it must be cheap (it is read on
	// requests).
	Status() Status
}

// Providers are the DNS providers of ModeDomain and the credential
// fields each needs (all required).
var Providers = map[string][]string{
	"desec":      {"token"},
	"duckdns":    {"api_token"},
	"cloudflare": {"api_token"},
	"ovh":        {"endpoint", "application_key", "application_secret", "consumer_key"},
	"rfc2136":    {"server", "key_name", "key_alg", "key"},
}

// validateChoice checks c for a box named name and completes its names.
func validateChoice(c *Choice, boxName string) error {
	switch c.Mode {
	case ModeLater:
		c.Domain, c.Provider, c.Credentials, c.Names, c.OnDemand = "", "", nil, nil, nil
		return nil
	case ModeLAN:
		c.Domain, c.Provider, c.Credentials = "", "", nil
		c.Names = []string{boxName + ".local"}
		c.OnDemand = []string{boxName + "-*.local"}
		return nil
	case ModeDomain:
	default:
		return fmt.Errorf("%w: https mode must be domain, lan or later, not %q", ErrInvalid, c.Mode)
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(c.Domain)), ".")
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 200 || strings.HasSuffix(d, ".local") {
		return fmt.Errorf("%w: %q is not a public domain name", ErrInvalid, c.Domain)
	}
	for _, l := range labels {
		if !validLabel(l) {
			return fmt.Errorf("%w: %q is not a public domain name", ErrInvalid, c.Domain)
		}
	}
	c.Domain = d
	fields, ok := Providers[c.Provider]
	if !ok {
		known := make([]string, 0, len(Providers))
		for p := range Providers {
			known = append(known, p)
		}
		sort.Strings(known)
		return fmt.Errorf("%w: DNS provider must be one of %s, not %q", ErrInvalid, strings.Join(known, ", "), c.Provider)
	}
	for k, v := range c.Credentials {
		if !slices.Contains(fields, k) {
			return fmt.Errorf("%w: %s has no credential %q", ErrInvalid, c.Provider, k)
		}
		c.Credentials[k] = strings.TrimSpace(v)
	}
	for _, f := range fields {
		if c.Credentials[f] == "" {
			return fmt.Errorf("%w: %s needs the credential %q", ErrInvalid, c.Provider, f)
		}
	}
	c.Names = []string{d, "*." + d}
	c.OnDemand = nil
	return nil
}

// validLabel tells whether l is one lower-case DNS label.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
