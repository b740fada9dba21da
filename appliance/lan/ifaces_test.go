package lan

import (
	"net/netip"
	"slices"
	"testing"
)

func TestRoutable(t *testing.T) {
	a := netip.MustParseAddr
	links := []link{
		{addrs: []netip.Addr{a("192.0.2.1"), a("fe80::1"), a("2001:db8::1")}},
		{addrs: []netip.Addr{a("192.0.2.1"), a("198.51.100.1")}},
	}
	// Link-local IPv6 is useless without its zone in a unicast answer.
	want := []netip.Addr{a("192.0.2.1"), a("198.51.100.1"), a("2001:db8::1")}
	if got := routable(links); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestLanLinks lists the box namespace's interfaces: box0 with its
// addresses, not loopback.
func TestLanLinks(t *testing.T) {
	needLink(t)
	for _, want := range [][]string{nil, {boxIf}} {
		links, err := lanLinks(want)
		if err != nil {
			t.Fatal(err)
		}
		if len(links) != 1 || links[0].ifi.Name != boxIf {
			t.Fatalf("lanLinks(%q): %+v", want, links)
		}
		if !slices.Contains(links[0].addrs, boxV4) || !slices.Contains(links[0].addrs, boxV6) {
			t.Fatalf("addresses %v", links[0].addrs)
		}
		got := prefixes(links)
		if !slices.Contains(got, netip.MustParsePrefix(boxPrefix)) || !slices.Contains(got, netip.MustParsePrefix(box6Net)) {
			t.Fatalf("prefixes %v", got)
		}
	}
	if links, err := lanLinks([]string{"nothere0"}); err != nil || len(links) != 0 {
		t.Fatalf("an absent interface: %v %v", links, err)
	}
}

// TestNetlinkWatch sees an address change as an event, and a Close ends a
// pending read.
func TestNetlinkWatch(t *testing.T) {
	needLink(t)
	f, err := netlinkWatch()
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		buf := make([]byte, 1<<16)
		_, err := f.Read(buf)
		read <- err
	}()
	ip(t, "addr", "add", "192.0.2.20/24", "dev", boxIf)
	ip(t, "addr", "del", "192.0.2.20/24", "dev", boxIf)
	if err := <-read; err != nil {
		t.Fatalf("read after an address change: %v", err)
	}
	go func() {
		buf := make([]byte, 1<<16)
		for {
			if _, err := f.Read(buf); err != nil {
				read <- err
				return
			}
		}
	}()
	f.Close()
	if err := <-read; err == nil {
		t.Fatal("a read went on after Close")
	}
}
