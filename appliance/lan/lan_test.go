package lan

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// directory is the test's Directory: a list the test changes.
type directory struct {
	mu   sync.Mutex
	list []Instance
}

func (d *directory) Instances(context.Context) ([]Instance, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list), nil
}

func (d *directory) add(inst Instance) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.list = append(d.list, inst)
}

// startBox starts a Service in the box namespace, closed when the test ends.
func startBox(t *testing.T, cfg Config) *Service {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// waitClaimed waits until the box holds every label on its interface.
func waitClaimed(t *testing.T, s *Service, labels ...string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("claims of %q", labels), func() bool {
		held := s.Claimed()[boxIf]
		for _, l := range labels {
			if held[l] != l {
				return false
			}
		}
		return true
	})
}

// startUpstream runs the test resolver on loopback in the box namespace:
// it knows www.example.test only.
func startUpstream(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		q := req.Question[0]
		switch {
		case strings.EqualFold(q.Name, forwarded+".") && q.Qtype == dns.TypeA:
			rr, _ := dns.NewRR(forwarded + ". 300 IN A " + upstreamA)
			m.Answer = append(m.Answer, rr)
		case !strings.EqualFold(q.Name, forwarded+"."):
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ActivateAndServe()
	}()
	<-started
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return pc.LocalAddr().String()
}

// TestLANWithAvahi serves a box with two instances on the LAN and checks
// it from a household computer running avahi: names resolve over mDNS
// (avahi-resolve, getent through nss-mdns), the services browse, the LAN
// DNS server answers and forwards; the names follow a new app, an address
// change, a second box on the link and a rename.
func TestLANWithAvahi(t *testing.T) {
	c := startClient(t)
	up := startUpstream(t)
	dir := &directory{list: []Instance{
		{Domain: "cozy.local", AppHosts: []string{"cozy-drive.local", "cozy-photos.local"}},
		{Domain: "alice.local", AppHosts: []string{"alice-drive.local"}},
		{Domain: "bob.example.org", AppHosts: []string{"bob-drive.example.org"}},
	}}
	names := make(chan string, 64)
	s := startBox(t, Config{Directory: dir, Version: "1.2.3", OnName: func(n string) { names <- n },
		DNS: &DNSConfig{Addr: ":53", Upstreams: []string{up}}})
	if n := <-names; n != "cozy.local" {
		t.Fatalf("OnName %q, want cozy.local", n)
	}
	if s.Name() != "cozy.local" {
		t.Fatalf("Name %q", s.Name())
	}
	waitClaimed(t, s, "cozy", "cozy-drive", "cozy-photos", "alice", "alice-drive")

	t.Run("avahi-resolve", func(t *testing.T) {
		for _, n := range []string{"cozy.local", "cozy-drive.local", "alice-drive.local"} {
			if got := c.resolve(t, n); got != boxV4.String() {
				t.Errorf("%s: %q, want %s", n, got, boxV4)
			}
		}
	})
	t.Run("nss-mdns", func(t *testing.T) {
		for _, n := range []string{"cozy.local", "cozy-photos.local"} {
			if got := c.getent(t, n); got != boxV4.String() {
				t.Errorf("getent hosts %s: %q, want %s", n, got, boxV4)
			}
		}
	})
	t.Run("dns-sd", func(t *testing.T) {
		for typ, port := range map[string]string{"_cozy._tcp": "443", "_https._tcp": "443", "_http._tcp": "80"} {
			var v4 []string
			for _, e := range c.browse(t, typ) {
				// =;iface;proto;instance;type;domain;host;address;port;txt
				if len(e) >= 10 && e[2] == "IPv4" {
					v4 = e
				}
			}
			if v4 == nil {
				t.Fatalf("avahi-browse %s: no IPv4 entry", typ)
			}
			if v4[3] != "cozy" || v4[6] != "cozy.local" || v4[7] != boxV4.String() || v4[8] != port {
				t.Errorf("avahi-browse %s: %q", typ, v4)
			}
			if txt := v4[9]; !strings.Contains(txt, `"version=1.2.3"`) || !strings.Contains(txt, `"instances=3"`) {
				t.Errorf("avahi-browse %s: TXT %s", typ, txt)
			}
		}
	})
	t.Run("landns", func(t *testing.T) {
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"@" + boxV4.String(), "cozy-drive.local", "A"}, boxV4.String()},
			{[]string{"@" + boxV4.String(), "cozy.local", "AAAA"}, boxV6.String()},
			{[]string{"@" + boxV6.String(), "bob-drive.example.org", "A"}, boxV4.String()},
			{[]string{"@" + boxV4.String(), "+tcp", "alice.local", "A"}, boxV4.String()},
			{[]string{"@" + boxV4.String(), forwarded, "A"}, upstreamA},
		}
		for _, tc := range cases {
			if got := dig(t, tc.args...); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("dig %v: %q, want %s", tc.args, got, tc.want)
			}
		}
	})
	t.Run("refresh", func(t *testing.T) {
		dir.add(Instance{Domain: "carol.local", AppHosts: []string{"carol-notes.local"}})
		if err := s.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitClaimed(t, s, "carol", "carol-notes")
		if got := c.resolve(t, "carol-notes.local"); got != boxV4.String() {
			t.Errorf("carol-notes.local: %q", got)
		}
		if got := dig(t, "@"+boxV4.String(), "carol-notes.local"); !slices.Equal(got, []string{boxV4.String()}) {
			t.Errorf("dig carol-notes.local: %q", got)
		}
	})
	t.Run("address change", func(t *testing.T) {
		const extra = "192.0.2.10"
		ip(t, "addr", "add", extra+"/24", "dev", boxIf)
		removed := false
		t.Cleanup(func() {
			if !removed {
				ip(t, "addr", "del", extra+"/24", "dev", boxIf)
			}
		})
		has := func(args ...string) func() bool {
			return func() bool { return slices.Contains(dig(t, args...), extra) }
		}
		// The LAN DNS server and the mDNS responder (asked directly on
		// 5353, a legacy unicast query) both follow, from netlink.
		waitFor(t, "the LAN DNS server to answer the new address", has("@"+boxV4.String(), "cozy.local"))
		waitFor(t, "the mDNS responder to answer the new address", has("@"+boxV4.String(), "-p", "5353", "cozy.local"))
		ip(t, "addr", "del", extra+"/24", "dev", boxIf)
		removed = true
		waitFor(t, "the LAN DNS server to drop the address", func() bool { return !has("@"+boxV4.String(), "cozy.local")() })
		// The goodbye reaches avahi, which drops the address a second
		// later (RFC 6762 §10.1), from the cache avahi-resolve answers from.
		waitFor(t, "avahi to drop the address", func() bool { return c.resolve(t, "cozy.local") == boxV4.String() })
	})
	t.Run("second box", func(t *testing.T) {
		// Another box named cozy joins the link: it ends as cozy-2.local,
		// this one keeps cozy.local.
		helper := exec.Command("ip", "netns", "exec", os.Getenv(envBox2), os.Args[0])
		helper.Env = append(os.Environ(), envRole+"=box2")
		if got := startUntil(t, helper, false, func(l string) bool { return strings.HasPrefix(l, "name ") }); got != "name cozy-2.local" {
			t.Fatalf("the second box reported %q, want name cozy-2.local", got)
		}
		if got := c.resolve(t, "cozy-2.local"); got != box2V4.String() {
			t.Errorf("cozy-2.local: %q, want %s", got, box2V4)
		}
		if got := c.resolve(t, "cozy.local"); got != boxV4.String() {
			t.Errorf("cozy.local: %q, want %s", got, boxV4)
		}
		if s.Name() != "cozy.local" {
			t.Errorf("the first box's name became %q", s.Name())
		}
	})
	t.Run("rename", func(t *testing.T) {
		if err := s.SetHost("maison"); err != nil {
			t.Fatal(err)
		}
		for n := range names {
			if n == "maison.local" {
				break
			}
		}
		waitClaimed(t, s, "maison", "cozy", "cozy-drive")
		if got := c.resolve(t, "maison.local"); got != boxV4.String() {
			t.Errorf("maison.local: %q", got)
		}
		if got := dig(t, "@"+boxV4.String(), "maison.local"); !slices.Equal(got, []string{boxV4.String()}) {
			t.Errorf("dig maison.local: %q", got)
		}
		if got := c.browse(t, "_cozy._tcp"); len(got) == 0 || got[0][3] != "maison" {
			t.Errorf("avahi-browse after the rename: %q", got)
		}
	})
	t.Run("many names", func(t *testing.T) {
		// 20 instances of 10 apps: the probes and announcements take many
		// packets, which avahi reads.
		for i := range 20 {
			inst := Instance{Domain: fmt.Sprintf("user%02d.local", i)}
			for j := range 10 {
				inst.AppHosts = append(inst.AppHosts, fmt.Sprintf("user%02d-app%d.local", i, j))
			}
			dir.add(inst)
		}
		if err := s.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitClaimed(t, s, "user00", "user00-app0", "user19", "user19-app9")
		for _, n := range []string{"user00-app0.local", "user19-app9.local", "user07-app3.local"} {
			if got := c.resolve(t, n); got != boxV4.String() {
				t.Errorf("%s: %q", n, got)
			}
		}
		if got := c.getent(t, "user11-app5.local"); got != boxV4.String() {
			t.Errorf("getent user11-app5.local: %q", got)
		}
	})
}

// ip runs ip(8) in the box namespace.
func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
}
