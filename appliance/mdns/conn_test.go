package mdns

import (
	"net"
	"testing"
)

func TestOpenConnJoinsBothGroups(t *testing.T) {
	needLink(t)
	c, err := openConn(boxInterface(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.v4 == nil || c.v6 == nil {
		t.Fatalf("v4 %v v6 %v", c.v4, c.v6)
	}
	// A second opener shares port 5353 (zeroconf and avahi do the same).
	c2, err := openConn(boxInterface(t))
	if err != nil {
		t.Fatalf("second socket on 5353: %v", err)
	}
	if err := c2.close(); err != nil {
		t.Fatal(err)
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenConnFailsWithoutMulticast(t *testing.T) {
	// An interface that does not exist cannot join any group.
	if _, err := openConn(&net.Interface{Index: 1 << 20, Name: "nosuch0"}); err == nil {
		t.Fatal("joined groups on a missing interface")
	}
}
