package mdns

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// The link tests need two hosts on one multicast link. Loopback carries no
// multicast here, so TestMain (as root, with ip(8)) makes two network
// namespaces joined by a veth pair and runs the test binary again inside the
// box one; the client side enters the peer namespace on a locked thread to
// open its sockets (see inPeer). Without root or ip(8) the link tests fail, saying why; `go test -short`
// skips them.
const (
	envPeer = "MDNS_TEST_PEER_NETNS" // set in the re-executed binary
	boxIf   = "box0"
	peerIf  = "peer0"
)

var (
	boxV4  = netip.MustParseAddr("192.0.2.1")
	boxV6  = netip.MustParseAddr("2001:db8::1")
	peerV4 = netip.MustParseAddr("192.0.2.2")
	peerV6 = netip.MustParseAddr("2001:db8::2")
)

// netnsMissing is why the namespaces cannot be made here, "" when they can.
var netnsMissing string

func TestMain(m *testing.M) {
	if os.Getenv(envPeer) != "" {
		os.Exit(m.Run())
	}
	flag.Parse() // for -short
	if netnsMissing = netnsUnavailable(); netnsMissing != "" || testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(runInNetns(m))
}

// netnsUnavailable says why namespaces cannot be made here.
func netnsUnavailable() string {
	if os.Geteuid() != 0 {
		return "link tests need root to create network namespaces (ip netns add)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "link tests need ip(8) (iproute2) to create network namespaces"
	}
	return ""
}

// runInNetns makes the two namespaces and the veth link, runs this test
// binary in the box namespace and removes everything after.
func runInNetns(m *testing.M) int {
	box := fmt.Sprintf("mdnsbox%d", os.Getpid())
	peer := fmt.Sprintf("mdnspeer%d", os.Getpid())
	defer func() {
		_ = exec.Command("ip", "netns", "del", box).Run()
		_ = exec.Command("ip", "netns", "del", peer).Run()
	}()
	steps := [][]string{
		{"ip", "netns", "add", box},
		{"ip", "netns", "add", peer},
		// No duplicate address detection: addresses usable at once, no waiting.
		{"ip", "netns", "exec", box, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"},
		{"ip", "netns", "exec", peer, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad"},
		{"ip", "link", "add", boxIf, "netns", box, "type", "veth", "peer", "name", peerIf, "netns", peer},
		{"ip", "-n", box, "link", "set", "lo", "up"},
		{"ip", "-n", peer, "link", "set", "lo", "up"},
		{"ip", "-n", box, "addr", "add", boxV4.String() + "/24", "dev", boxIf},
		{"ip", "-n", peer, "addr", "add", peerV4.String() + "/24", "dev", peerIf},
		{"ip", "-n", box, "addr", "add", boxV6.String() + "/64", "dev", boxIf, "nodad"},
		{"ip", "-n", peer, "addr", "add", peerV6.String() + "/64", "dev", peerIf, "nodad"},
		{"ip", "-n", box, "link", "set", boxIf, "multicast", "on", "up"},
		{"ip", "-n", peer, "link", "set", peerIf, "multicast", "on", "up"},
		{"ip", "-n", box, "route", "add", "224.0.0.0/4", "dev", boxIf},
		{"ip", "-n", peer, "route", "add", "224.0.0.0/4", "dev", peerIf},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "netns setup %v: %v: %s\n", s, err, out)
			return 1
		}
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", box, os.Args[0]}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), envPeer+"="+peer)
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

// needLink marks a test that needs the two-namespace link: it runs in the
// box namespace; elsewhere it is skipped under -short and fails otherwise,
// so that a run without root or ip(8) cannot pass on link tests that did
// not run.
func needLink(t *testing.T) {
	t.Helper()
	switch {
	case os.Getenv(envPeer) != "":
	case testing.Short():
		t.Skip("-short: the link tests need network namespaces")
	default:
		t.Fatal(netnsMissing + " (go test -short skips them)")
	}
}

// boxInterface is the box side of the link (the test process's namespace).
func boxInterface(t *testing.T) *net.Interface {
	t.Helper()
	ifi, err := net.InterfaceByName(boxIf)
	if err != nil {
		t.Fatal(err)
	}
	return ifi
}

// inPeer runs fn on a thread moved into the peer namespace: sockets fn opens
// belong to the peer host for their whole life. The thread stays locked and
// dies with the goroutine, so no other goroutine ever runs in the peer
// namespace.
func inPeer(t *testing.T, fn func(peerIfi *net.Interface) error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		f, err := os.Open("/var/run/netns/" + os.Getenv(envPeer))
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		ifi, err := net.InterfaceByName(peerIf)
		if err != nil {
			errc <- err
			return
		}
		errc <- fn(ifi)
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
