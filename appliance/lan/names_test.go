package lan

import (
	"context"
	"slices"
	"testing"
)

func TestNamesOf(t *testing.T) {
	list := []Instance{
		{Domain: "cozy.local:443", AppHosts: []string{"cozy-drive.local", "cozy-photos.local:443"}},
		{Domain: "Alice.local.", AppHosts: []string{"alice-drive.local", "drive.alice.local"}},
		{Domain: "bob.example.org", AppHosts: []string{"bob-drive.example.org", "BOB-drive.example.org"}},
		{Domain: "bad_name.local"},
	}
	n := namesOf("cozy", list)
	if want := []string{"alice", "alice-drive", "cozy-drive", "cozy-photos"}; !slices.Equal(n.mdns, want) {
		t.Errorf("mdns labels %q, want %q", n.mdns, want)
	}
	// Nested .local names and invalid labels are not served; other domains
	// go to the DNS server.
	if want := []string{"bob-drive.example.org", "bob.example.org"}; !slices.Equal(n.other, want) {
		t.Errorf("other names %q, want %q", n.other, want)
	}
	if n.instances != 4 {
		t.Errorf("instances %d", n.instances)
	}
	// The box label itself is left out: the responder always serves it.
	if n := namesOf("alice", list); slices.Contains(n.mdns, "alice") || !slices.Contains(n.mdns, "cozy") {
		t.Errorf("with box alice: %q", n.mdns)
	}
}

func TestTXT(t *testing.T) {
	if got := txt("1.2.3", 20); !slices.Equal(got, []string{"version=1.2.3", "instances=20"}) {
		t.Fatal(got)
	}
}

func TestDirectoryFunc(t *testing.T) {
	d := DirectoryFunc(func(context.Context) ([]Instance, error) { return []Instance{{Domain: "cozy.local"}}, nil })
	if list, err := d.Instances(context.Background()); err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
}
