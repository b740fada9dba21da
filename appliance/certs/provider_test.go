package certs

import (
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/appliance/certstore"
	"github.com/libdns/rfc2136"
)

func TestNewProvider(t *testing.T) {
	settings := map[string]string{
		"rfc2136":    `{"server":"127.0.0.1:53","key_name":"box.","key_alg":"hmac-sha256.","key":"c2VjcmV0"}`,
		"desec":      `{"token":"t"}`,
		"duckdns":    `{"api_token":"t","override_domain":"home.example"}`,
		"cloudflare": `{"api_token":"t"}`,
		"ovh":        `{"endpoint":"ovh-eu","application_key":"k","application_secret":"s","consumer_key":"c"}`,
	}
	if got := ProviderKinds(); len(got) != len(settings) {
		t.Fatalf("kinds %v", got)
	}
	for _, kind := range ProviderKinds() {
		p, err := NewProvider(kind, []byte(settings[kind]))
		if err != nil || p == nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	p, _ := NewProvider("rfc2136", []byte(settings["rfc2136"]))
	if r := p.(*rfc2136.Provider); r.Server != "127.0.0.1:53" || r.KeyName != "box." || r.Key != "c2VjcmV0" {
		t.Fatalf("rfc2136 settings not decoded: %+v", r)
	}
	if _, err := NewProvider("route53", nil); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if _, err := NewProvider("desec", []byte(`{"tokn":"t"}`)); err == nil {
		t.Fatal("misspelt setting accepted")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	st, err := certstore.Open(filepath.Join(t.TempDir(), "box.db"), certstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for name, cfg := range map[string]Config{
		"no storage":      {Mode: ModeLAN},
		"no mode":         {Storage: st},
		"no provider":     {Mode: ModeDomain, Storage: st, Domain: "home.example"},
		"bad domain":      {Mode: ModeDomain, Storage: st, Domain: "home..example", DNS: &rfc2136.Provider{}},
		"single label":    {Mode: ModeDomain, Storage: st, Domain: "home", DNS: &rfc2136.Provider{}},
		"domain off zone": {Mode: ModeDomain, Storage: st, Domain: "home.example", Zone: "other.example", DNS: &rfc2136.Provider{}},
		"lan without CA":  {Mode: ModeLAN, Storage: st, LANHosts: []string{"cozy.local"}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
