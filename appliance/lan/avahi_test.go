package lan

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// client is a household computer in the client namespace: avahi-daemon
// (with its own D-Bus daemon, configuration and runtime directory in a temp
// dir) answers avahi-resolve, avahi-browse and, through nss-mdns, getent.
type client struct {
	dir string
	bus string // DBUS_SYSTEM_BUS_ADDRESS for the avahi tools
}

// clientTools are the programs the client runs (Debian packages dbus-daemon,
// avahi-daemon, avahi-utils, libc-bin, dnsutils, util-linux).
var clientTools = []string{"dbus-daemon", "avahi-daemon", "avahi-resolve", "avahi-browse", "getent", "dig", "unshare"}

// startClient starts the client's daemons; they are stopped (by PID) when
// the test ends.
func startClient(t *testing.T) *client {
	t.Helper()
	needLink(t)
	for _, tool := range clientTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: the Makefile's TEST_DEBS installs it (make test-deps)", tool)
		}
	}
	if m, _ := filepath.Glob("/usr/lib/*/libnss_mdns4_minimal.so.2"); len(m) == 0 {
		t.Fatal("nss-mdns is missing: the Makefile's TEST_DEBS installs it (libnss-mdns)")
	}
	c := &client{dir: t.TempDir()}
	c.bus = "unix:path=" + filepath.Join(c.dir, "bus")
	write(t, filepath.Join(c.dir, "dbus.conf"), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>`+c.bus+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`)
	// avahi-daemon and nss-mdns meet at /run/avahi-daemon/socket: both run
	// in a mount namespace where the temp dir's run/ is /run.
	if err := os.MkdirAll(filepath.Join(c.dir, "run", "avahi-daemon"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(c.dir, "avahi.conf"), `[server]
host-name=client
use-ipv4=yes
use-ipv6=yes
allow-interfaces=`+bridgeIf+`
enable-dbus=yes
disallow-other-stacks=no
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
enable-reflector=no
`)
	write(t, filepath.Join(c.dir, "nsswitch.conf"), "hosts: files mdns4_minimal [NOTFOUND=return]\n")

	dbus := exec.Command("dbus-daemon", "--config-file="+filepath.Join(c.dir, "dbus.conf"), "--nofork", "--nopidfile", "--nosyslog", "--print-address=1")
	addr := startUntil(t, dbus, false, func(line string) bool { return strings.HasPrefix(line, "unix:") })
	if addr == "" {
		t.Fatal("dbus-daemon did not start")
	}
	avahi := exec.Command("ip", "netns", "exec", os.Getenv(envPeer), "unshare", "-m", "sh", "-c",
		c.inMountNS(`exec avahi-daemon -f "$1/avahi.conf" --no-drop-root --no-chroot --no-rlimits --no-proc-title`), "sh", c.dir)
	avahi.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+c.bus)
	if startUntil(t, avahi, true, func(line string) bool { return strings.HasPrefix(line, "Server startup complete") }) == "" {
		t.Fatal("avahi-daemon did not start")
	}
	return c
}

// inMountNS prefixes script (run by sh with the client's dir as $1) with
// the mounts that make the client's /run and nsswitch.conf.
func (c *client) inMountNS(script string) string {
	return `mount --bind "$1/run" /run && mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf && ` + script
}

// startUntil starts cmd and reads its stdout (stderr when fromStderr) until
// a line satisfies ready, which it returns ("" when the output ended
// first). The process is stopped with SIGTERM, by its PID, when the test
// ends; its output is logged on failure.
func startUntil(t *testing.T, cmd *exec.Cmd, fromStderr bool, ready func(string) bool) string {
	t.Helper()
	var pipe, other = cmd.StdoutPipe, cmd.StderrPipe
	if fromStderr {
		pipe, other = cmd.StderrPipe, cmd.StdoutPipe
	}
	r, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	o, err := other()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var log strings.Builder
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the other stream, to the log
		defer wg.Done()
		s := bufio.NewScanner(o)
		for s.Scan() {
			mu.Lock()
			fmt.Fprintln(&log, s.Text())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		wg.Wait()
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("%s:\n%s", filepath.Base(cmd.Args[len(cmd.Args)-1]), log.String())
			mu.Unlock()
		}
	})
	s := bufio.NewScanner(r)
	found := ""
	for s.Scan() {
		mu.Lock()
		fmt.Fprintln(&log, s.Text())
		mu.Unlock()
		if ready(s.Text()) {
			found = s.Text()
			break
		}
	}
	wg.Add(1)
	go func() { // the rest, until the process ends
		defer wg.Done()
		for s.Scan() {
			mu.Lock()
			fmt.Fprintln(&log, s.Text())
			mu.Unlock()
		}
	}()
	return found
}

// write writes a file or fails the test.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// resolve runs avahi-resolve -4 -n name and returns the address, "" when
// it found none.
func (c *client) resolve(t *testing.T, name string) string {
	t.Helper()
	out, err := inPeer(t, []string{"DBUS_SYSTEM_BUS_ADDRESS=" + c.bus}, "avahi-resolve", "-4", "-n", name)
	if err != nil {
		t.Logf("avahi-resolve -n %s: %v: %s", name, err, out)
		return ""
	}
	f := strings.Fields(out)
	if len(f) != 2 || f[0] != name {
		t.Fatalf("avahi-resolve -n %s: %q", name, out)
	}
	return f[1]
}

// getent runs getent hosts name with nss-mdns and returns the address.
func (c *client) getent(t *testing.T, name string) string {
	t.Helper()
	out, err := inPeer(t, nil, "unshare", "-m", "sh", "-c", c.inMountNS(`exec getent hosts "$2"`), "sh", c.dir, name)
	if err != nil {
		t.Logf("getent hosts %s: %v: %s", name, err, out)
		return ""
	}
	f := strings.Fields(out)
	if len(f) < 2 || f[1] != name {
		t.Fatalf("getent hosts %s: %q", name, out)
	}
	return f[0]
}

// browse runs avahi-browse -rtp on a service type and returns the resolved
// entries ("=" lines) split on ";".
func (c *client) browse(t *testing.T, typ string) [][]string {
	t.Helper()
	out, err := inPeer(t, []string{"DBUS_SYSTEM_BUS_ADDRESS=" + c.bus}, "avahi-browse", "-rtp", typ)
	if err != nil {
		t.Fatalf("avahi-browse %s: %v: %s", typ, err, out)
	}
	var found [][]string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "=;") {
			found = append(found, strings.Split(line, ";"))
		}
	}
	return found
}

// dig asks a DNS server from the client and returns the +short answer lines.
func dig(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := inPeer(t, nil, append([]string{"dig", "+short", "+time=2", "+tries=2"}, args...)...)
	if err != nil {
		t.Fatalf("dig %v: %v: %s", args, err, out)
	}
	return strings.Fields(out)
}

// waitFor polls cond until it holds, failing the test after 15 s. It waits
// for the network (probes, announcements), not for the code under test to
// be scheduled.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if err := until(what, cond); err != nil {
		t.Fatal(err)
	}
}

// until is waitFor for the children (children_test.go), which have no
// testing.T: the error after 15 s.
func until(what string, cond func() bool) error {
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
