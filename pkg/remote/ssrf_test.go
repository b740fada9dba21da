package remote

import (
	"net/netip"
	"testing"
)

func TestPolicyReason(t *testing.T) {
	refused := []string{
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.255",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.9", "192.0.2.10",
		"192.31.196.1", "192.52.193.1", "192.88.99.1", "192.168.1.1", "192.175.48.1", "198.18.0.1",
		"198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255",
		"::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "100::1", "2001::1", "2001:2::1",
		"2001:db8::1", "2002:7f00:1::1", "2620:4f:8000::1", "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1",
		"fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1", "ff05::1:3",
	}
	for _, s := range refused {
		a := netip.MustParseAddr(s)
		if r := policyReason(a); r == "" {
			t.Errorf("policyReason(%s) allowed, want refused", s)
		}
	}
	allowed := []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
		"192.0.1.1", "198.17.255.255", "198.20.0.1", "223.255.255.255",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2606:4700:4700::1111", "2a00:1450:4007::1", "2001:200::1",
	}
	for _, s := range allowed {
		a := netip.MustParseAddr(s)
		if r := policyReason(a); r != "" {
			t.Errorf("policyReason(%s) = %q, want allowed", s, r)
		}
	}
	if policyReason(netip.Addr{}) == "" {
		t.Error("zero Addr allowed")
	}
}

func TestHostReason(t *testing.T) {
	tests := []struct {
		host    string
		refused bool
	}{
		{"127.1", true},
		{"2130706433", true},
		{"0x7f.1", true},
		{"0x7f000001", true},
		{"017700000001", true},
		{"0177.0.0.1", true},
		{"127.0.0.1.", true},
		{"::ffff:127.0.0.1", true},
		{"[::1]", true},
		{"169.254.169.254", true},
		{"localhost", true},
		{"LocalHost.", true},
		{"api.localhost", true},
		{"", true},
		{"a..", true},
		{"www.wikidata.org", false},
		{"8.8.8.8", false},
		{"1e100.net", false},
		{"xn--bcher-kva.example", false},
	}
	for _, tt := range tests {
		r := hostReason(tt.host)
		if (r != "") != tt.refused {
			t.Errorf("hostReason(%q) = %q, refused want %v", tt.host, r, tt.refused)
		}
	}
}
