package lan

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Instance is one Cozy instance as the LAN sees it.
type Instance struct {
	// Domain is the instance's domain, port allowed: "cozy.local",
	// "alice.local:8443", "alice.example.org".
	Domain string
	// AppHosts are the hosts of its installed apps, as the instance makes
	// them (instance.AppHost(slug)): "alice-drive.local" when flat.
	AppHosts []string
}

// Directory lists what the box serves. The server implements it over its
// instances and their installed apps.
type Directory interface {
	Instances(ctx context.Context) ([]Instance, error)
}

// DirectoryFunc adapts a function to Directory.
type DirectoryFunc func(ctx context.Context) ([]Instance, error)

// Instances calls f.
func (f DirectoryFunc) Instances(ctx context.Context) ([]Instance, error) { return f(ctx) }

// names is what the box answers for, worked out from the instances.
type names struct {
	// mdns are the .local labels other than the box's, sorted.
	mdns []string
	// other are the hosts outside .local (for the LAN DNS server only).
	other []string
	// instances is the instance count, for the TXT record.
	instances int
}

// namesOf sorts the instances' hosts into mDNS labels and other names;
// host is the box label, left out of the mDNS labels (it is always served).
func namesOf(host string, list []Instance) names {
	var n names
	n.instances = len(list)
	seen := map[string]bool{strings.ToLower(host) + ".local": true}
	for _, inst := range list {
		for _, h := range append([]string{inst.Domain}, inst.AppHosts...) {
			h = hostOnly(h)
			if h == "" || seen[h] {
				continue
			}
			seen[h] = true
			if label, ok := localLabel(h); ok {
				n.mdns = append(n.mdns, label)
			} else if !strings.HasSuffix(h, ".local") && h != "local" {
				n.other = append(n.other, h)
			}
		}
	}
	slices.Sort(n.mdns)
	slices.Sort(n.other)
	return n
}

// hostOnly lowercases h and drops its port and trailing dot.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// localLabel is the label of a single-label .local name: "alice-drive" for
// "alice-drive.local", when it is a valid host label.
func localLabel(h string) (string, bool) {
	label, ok := strings.CutSuffix(h, ".local")
	if !ok || !validLabel(label) {
		return "", false
	}
	return label, true
}

// validLabel mirrors mdns's rule: letters, digits and inner hyphens, 1 to
// 59 octets (room for a rename suffix).
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > 59 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// txt are the DNS-SD TXT strings: the server's version and its instance
// count.
func txt(version string, instances int) []string {
	return []string{"version=" + version, "instances=" + strconv.Itoa(instances)}
}
