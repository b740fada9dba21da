package systemd

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// notifySocket listens where NOTIFY_SOCKET points for the test and returns
// a function reading the next datagram.
func notifySocket(t *testing.T) func() string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return func() string {
		buf := make([]byte, 4096)
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
}

// TestNotify checks what systemd receives for readiness, status and stop.
func TestNotify(t *testing.T) {
	next := notifySocket(t)
	cases := []struct {
		send func() error
		want string
	}{
		{func() error { return Ready("serving on :80") }, "READY=1\nSTATUS=serving on :80"},
		{func() error { return Status("box name cozy-2.local") }, "STATUS=box name cozy-2.local"},
		{Stopping, "STOPPING=1\nSTATUS=stopping"},
	}
	for _, c := range cases {
		if err := c.send(); err != nil {
			t.Fatal(err)
		}
		if got := next(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestNotifyOutsideSystemd checks the functions are no-ops without systemd.
func TestNotifyOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Status("x"); err != nil {
		t.Fatal(err)
	}
}

const envActivationChild = "SYSTEMD_TEST_ACTIVATION_CHILD"

// TestActivatedSockets passes a TCP listener and a UDP socket to a child
// process as systemd does (fds 3 and 4, LISTEN_FDS, LISTEN_FDNAMES,
// LISTEN_PID) and checks the child sorts them by name and kind.
func TestActivatedSockets(t *testing.T) {
	if os.Getenv(envActivationChild) != "" {
		s, err := ActivatedSockets()
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Printf("listeners=%d:%s packets=%d:%s\n", len(s.Listeners["dns"]), s.Listeners["dns"][0].Addr(),
			len(s.PacketConns["dns"]), s.PacketConns["dns"][0].LocalAddr())
		s.Close()
		os.Exit(0)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set LISTEN_PID")
	}
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	lf, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	pf, err := pc.File()
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	// sh execs the test binary, which keeps sh's pid: $$ is its LISTEN_PID.
	cmd := exec.Command(sh, "-c", `LISTEN_PID=$$ exec "$0" -test.run '^TestActivatedSockets$'`, os.Args[0])
	cmd.Env = append(os.Environ(), envActivationChild+"=1", "LISTEN_FDS=2", "LISTEN_FDNAMES=dns:dns")
	cmd.ExtraFiles = []*os.File{lf, pf}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := fmt.Sprintf("listeners=1:%s packets=1:%s", ln.Addr(), pc.LocalAddr())
	line, _ := bufio.NewReader(strings.NewReader(string(out))).ReadString('\n')
	if strings.TrimSpace(line) != want {
		t.Fatalf("child saw %q, want %q", out, want)
	}
}
