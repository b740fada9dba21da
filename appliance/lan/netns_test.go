package lan

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"testing"
)

// The link tests need a LAN: TestMain (as root, with ip(8)) makes three
// network namespaces, the box, a second box and a client, the client
// holding a bridge both boxes' veth pairs are plugged into, and runs this
// test binary again inside the box namespace. The client's tools (avahi,
// nss-mdns, dig) run in the client namespace through `ip netns exec`; the
// second box is this binary once more, in its own namespace
// (secondBoxChild). Without root or ip(8) the link tests fail, saying why;
// `go test -short` skips them.
const (
	envRole   = "LAN_TEST_ROLE"    // "box" or "box2" in the re-executed binaries
	envPeer   = "LAN_TEST_PEER"    // the client namespace's name
	envBox2   = "LAN_TEST_BOX2"    // the second box's namespace's name
	boxIf     = "box0"             // the box's interface, in both boxes
	bridgeIf  = "br0"              // the client's interface
	boxPrefix = "192.0.2.0/24"     // the LAN
	box6Net   = "2001:db8::/64"    // its IPv6 prefix
	upstreamA = "203.0.113.7"      // what the test resolver answers
	forwarded = "www.example.test" // a name only the test resolver knows
)

var (
	boxV4  = netip.MustParseAddr("192.0.2.1")
	boxV6  = netip.MustParseAddr("2001:db8::1")
	box2V4 = netip.MustParseAddr("192.0.2.3")
	peerV4 = netip.MustParseAddr("192.0.2.2")
)

// netnsMissing is why the namespaces cannot be made here, "" when they can.
var netnsMissing string

func TestMain(m *testing.M) {
	if code, ok := runChild(); ok {
		os.Exit(code)
	}
	if os.Getenv(envRole) == "box" {
		os.Exit(m.Run())
	}
	flag.Parse() // for -short
	if os.Geteuid() != 0 {
		netnsMissing = "link tests need root to create network namespaces (ip netns add)"
	} else if _, err := exec.LookPath("ip"); err != nil {
		netnsMissing = "link tests need ip(8) (Debian package iproute2) to create network namespaces"
	}
	if netnsMissing != "" || testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(runInNetns(m))
}

// runInNetns makes the namespaces and links, runs this binary in the box
// namespace and removes everything after.
func runInNetns(m *testing.M) int {
	box := fmt.Sprintf("lanbox%d", os.Getpid())
	box2 := fmt.Sprintf("lanboxb%d", os.Getpid())
	peer := fmt.Sprintf("lanpeer%d", os.Getpid())
	defer func() {
		for _, ns := range []string{box, box2, peer} {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	}()
	var steps [][]string
	for _, ns := range []string{box, box2, peer} {
		steps = append(steps,
			[]string{"ip", "netns", "add", ns},
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
			// No duplicate address detection: addresses usable at once.
			[]string{"ip", "netns", "exec", ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"},
		)
	}
	steps = append(steps,
		[]string{"ip", "-n", peer, "link", "add", bridgeIf, "type", "bridge", "mcast_snooping", "0"},
		[]string{"ip", "-n", peer, "addr", "add", peerV4.String() + "/24", "dev", bridgeIf},
		[]string{"ip", "-n", peer, "addr", "add", "2001:db8::2/64", "dev", bridgeIf, "nodad"},
		[]string{"ip", "-n", peer, "link", "set", bridgeIf, "up"},
	)
	for i, b := range []struct {
		ns     string
		v4, v6 string
	}{{box, boxV4.String(), boxV6.String()}, {box2, box2V4.String(), "2001:db8::3"}} {
		port := fmt.Sprintf("lanp%d", i)
		steps = append(steps,
			[]string{"ip", "link", "add", boxIf, "netns", b.ns, "type", "veth", "peer", "name", port, "netns", peer},
			[]string{"ip", "-n", peer, "link", "set", port, "master", bridgeIf},
			[]string{"ip", "-n", peer, "link", "set", port, "up"},
			[]string{"ip", "-n", b.ns, "addr", "add", b.v4 + "/24", "dev", boxIf},
			[]string{"ip", "-n", b.ns, "addr", "add", b.v6 + "/64", "dev", boxIf, "nodad"},
			[]string{"ip", "-n", b.ns, "link", "set", boxIf, "multicast", "on", "up"},
		)
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "netns setup %v: %v: %s\n", s, err, out)
			return 1
		}
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", box, os.Args[0]}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), envRole+"=box", envPeer+"="+peer, envBox2+"="+box2)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "netns run:", err)
		return 1
	}
	return 0
}

// needLink marks a test that needs the namespaces: it runs in the box
// namespace; elsewhere it is skipped under -short and fails otherwise, so
// that a run without root or ip(8) cannot pass on link tests that did not
// run.
func needLink(t testing.TB) {
	t.Helper()
	switch {
	case os.Getenv(envRole) == "box":
	case testing.Short():
		t.Skip("-short: the link tests need network namespaces")
	default:
		t.Fatal(netnsMissing + " (go test -short skips them)")
	}
}

// inPeer runs a command in the client namespace and returns its output.
func inPeer(t testing.TB, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", os.Getenv(envPeer)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
