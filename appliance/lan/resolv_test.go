package lan

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestResolvConfUpstreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	conf := "# from DHCP\nnameserver 192.0.2.1\nnameserver 198.51.100.53\nnameserver 2001:db8::53\nsearch lan\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// 192.0.2.1 is the box itself: never forward to ourselves.
	got := resolvConfUpstreams(path, []netip.Addr{netip.MustParseAddr("192.0.2.1")})
	if want := []string{"198.51.100.53:53", "[2001:db8::53]:53"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := resolvConfUpstreams(filepath.Join(t.TempDir(), "missing"), nil); got != nil {
		t.Fatalf("missing file: %q", got)
	}
}
