package certs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/caddyserver/certmagic"
	"github.com/libdns/cloudflare"
	"github.com/libdns/desec"
	"github.com/libdns/duckdns"
	"github.com/libdns/libdns"
	"github.com/libdns/ovh"
	"github.com/libdns/rfc2136"
)

// DNSProvider is what the manager needs of a DNS host: append and delete
// records (the DNS-01 challenges) and set records (the box's addresses).
type DNSProvider interface {
	certmagic.DNSProvider
	libdns.RecordSetter
}

// providers are the libdns providers the box knows, by kind. Each decodes
// its settings from JSON with the field names of its package (for example
// rfc2136: server, key_name, key_alg, key; desec: token; duckdns:
// api_token; cloudflare: api_token, zone_token; ovh: endpoint,
// application_key, application_secret, consumer_key).
var providers = map[string]func() DNSProvider{
	"rfc2136":    func() DNSProvider { return new(rfc2136.Provider) },
	"desec":      func() DNSProvider { return new(desec.Provider) },
	"duckdns":    func() DNSProvider { return new(duckdns.Provider) },
	"cloudflare": func() DNSProvider { return new(cloudflare.Provider) },
	"ovh":        func() DNSProvider { return new(ovh.Provider) },
}

// ProviderKinds lists the provider kinds NewProvider accepts.
func ProviderKinds() []string {
	var out []string
	for k := range providers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// NewProvider makes the provider of kind from its JSON settings. Unknown
// settings are an error, so that a typo does not pass for an empty secret.
func NewProvider(kind string, settings []byte) (DNSProvider, error) {
	mk, ok := providers[kind]
	if !ok {
		return nil, fmt.Errorf("certs: unknown DNS provider %q (known: %v)", kind, ProviderKinds())
	}
	p := mk()
	if len(settings) > 0 {
		dec := json.NewDecoder(bytes.NewReader(settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return nil, fmt.Errorf("certs: %s settings: %w", kind, err)
		}
	}
	return p, nil
}
