package mdns

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

// announced waits until the peer has seen both announcements of every name,
// after which any further response naming them answers a question.
func announced(t *testing.T, p *peer, names ...string) {
	t.Helper()
	count := map[string]int{}
	for _, n := range names {
		for count[n] < announceCount {
			r := p.await(t, "announcements of "+n, func(r received) bool { return r.msg.Response })
			for _, n := range names {
				if rr, ok := hasAddr(r.msg.Answer, n, boxV4); ok && rr.Header().Ttl == hostTTL {
					count[n]++
				}
			}
		}
	}
}

func TestResponderAnswersBoxAndAppNames(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{Names: []string{"alice-drive"}})
	if got := c.await(t, "cozy"); got != "cozy" {
		t.Fatalf("box name claimed as %q", got)
	}
	if got := c.await(t, "alice-drive"); got != "alice-drive" {
		t.Fatalf("app name claimed as %q", got)
	}
	announced(t, p, "cozy.local.", "alice-drive.local.")

	// A multicast (QM) question over IPv4 gets a multicast answer with the
	// cache-flush bit, the host TTL and the AA flag.
	p.query(t, question("cozy.local.", dns.TypeA, false), false)
	r := p.await(t, "multicast A answer", func(r received) bool {
		_, ok := hasAddr(r.msg.Answer, "cozy.local.", boxV4)
		return ok && r.dst == groupV4
	})
	rr, _ := hasAddr(r.msg.Answer, "cozy.local.", boxV4)
	if h := rr.Header(); h.Class != dns.ClassINET|cacheFlush || h.Ttl != hostTTL || !r.msg.Authoritative || r.msg.Id != 0 {
		t.Fatalf("answer header %v, AA %v, id %d", h, r.msg.Authoritative, r.msg.Id)
	}
	if _, ok := hasAddr(r.msg.Extra, "cozy.local.", boxV6); !ok {
		t.Fatalf("no AAAA in the additional section: %v", r.msg)
	}

	// AAAA of an app name over IPv6.
	p.query(t, question("alice-drive.local.", dns.TypeAAAA, false), true)
	p.await(t, "multicast AAAA answer", func(r received) bool {
		_, ok := hasAddr(r.msg.Answer, "alice-drive.local.", boxV6)
		return ok && r.dst == groupV6
	})
}

func TestResponderLegacyUnicast(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{Names: []string{"alice-drive"}})
	c.await(t, "alice-drive")
	q := question("ALICE-DRIVE.local.", dns.TypeA, false)
	q.Id = 4242
	// Sent to the group from a port other than 5353, as dig or a plain
	// resolver would.
	p.legacyQuery(t, q, netip.AddrPortFrom(groupV4, Port))
	r := p.await(t, "legacy unicast answer", func(r received) bool { return r.msg.Response && r.msg.Id == 4242 })
	if r.src.Port() != Port || r.src.Addr() != boxV4 {
		t.Fatalf("legacy answer from %v", r.src)
	}
	rr, ok := hasAddr(r.msg.Answer, "alice-drive.local.", boxV4)
	if !ok {
		t.Fatalf("legacy answer: %v", r.msg)
	}
	if h := rr.Header(); h.Ttl > legacyTTL || h.Class&cacheFlush != 0 {
		t.Fatalf("legacy record header %v: want TTL ≤ %d and no cache-flush bit", h, legacyTTL)
	}
	if len(r.msg.Question) != 1 || r.msg.Question[0].Name != "ALICE-DRIVE.local." {
		t.Fatalf("legacy answer does not echo the question: %v", r.msg.Question)
	}
}

func TestResponderUnicastResponseQuestion(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{})
	c.await(t, "cozy")
	announced(t, p, "cozy.local.")
	// Just announced, so a QU question is answered by unicast (§5.4).
	p.query(t, question("cozy.local.", dns.TypeA, true), false)
	r := p.await(t, "unicast QU answer", func(r received) bool {
		_, ok := hasAddr(r.msg.Answer, "cozy.local.", boxV4)
		return ok && r.dst != groupV4
	})
	if r.dst != peerV4 {
		t.Fatalf("QU answer sent to %v, want the peer's address", r.dst)
	}
}

func TestResponderNegativeAnswer(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{Addrs: []netip.Addr{boxV4}})
	c.await(t, "cozy")
	q := question("cozy.local.", dns.TypeAAAA, false)
	q.Id = 7
	p.legacyQuery(t, q, netip.AddrPortFrom(groupV4, Port))
	r := p.await(t, "NSEC answer", func(r received) bool { return r.msg.Response && r.msg.Id == 7 })
	var found bool
	for _, rr := range r.msg.Extra {
		if n, ok := rr.(*dns.NSEC); ok && slices.Equal(n.TypeBitMap, []uint16{dns.TypeA}) {
			found = true
		}
	}
	if !found || len(r.msg.Answer) != 0 {
		t.Fatalf("want no AAAA and an NSEC listing only A: %v", r.msg)
	}
}

func TestResponderSetNames(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	r, c := startBox(t, Config{Names: []string{"alice-drive"}})
	c.await(t, "alice-drive")
	if err := r.SetNames([]string{"alice-photos"}); err != nil {
		t.Fatal(err)
	}
	// The dropped name gets a goodbye; the new one is probed, then answered.
	p.await(t, "goodbye for alice-drive", func(r received) bool {
		rr, ok := hasAddr(r.msg.Answer, "alice-drive.local.", boxV4)
		return ok && rr.Header().Ttl == 0
	})
	p.await(t, "probe for alice-photos", func(r received) bool {
		return !r.msg.Response && len(r.msg.Question) > 0 && r.msg.Question[0].Name == "alice-photos.local." && len(r.msg.Ns) > 0
	})
	c.await(t, "alice-photos")
	q := question("alice-photos.local.", dns.TypeA, false)
	q.Id = 99
	p.legacyQuery(t, q, netip.AddrPortFrom(groupV4, Port))
	p.await(t, "answer for the new name", func(r received) bool {
		_, ok := hasAddr(r.msg.Answer, "alice-photos.local.", boxV4)
		return r.msg.Response && r.msg.Id == 99 && ok
	})
	if got := r.Claimed(); got["alice-drive"] != "" || got["alice-photos"] != "alice-photos" || got["cozy"] != "cozy" {
		t.Fatalf("claimed %v", got)
	}
	if err := r.SetNames([]string{"bad.name"}); err == nil {
		t.Fatal("a dotted label was accepted")
	}
}

func TestResponderSetAddrs(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	r, c := startBox(t, Config{})
	c.await(t, "cozy")
	moved := netip.MustParseAddr("192.0.2.9")
	if err := r.SetAddrs([]netip.Addr{moved, boxV6}); err != nil {
		t.Fatal(err)
	}
	// One announcement carries the new address with the cache-flush bit and
	// a goodbye for the old one.
	got := p.await(t, "re-announcement", func(r received) bool {
		_, ok := hasAddr(r.msg.Answer, "cozy.local.", moved)
		return ok && r.msg.Response
	})
	rr, _ := hasAddr(got.msg.Answer, "cozy.local.", moved)
	old, ok := hasAddr(got.msg.Answer, "cozy.local.", boxV4)
	if rr.Header().Class&cacheFlush == 0 || !ok || old.Header().Ttl != 0 {
		t.Fatalf("re-announcement %v: want the new address with cache-flush and the old with TTL 0", got.msg)
	}
	q := question("cozy.local.", dns.TypeA, false)
	q.Id = 5
	p.legacyQuery(t, q, netip.AddrPortFrom(groupV4, Port))
	ans := p.await(t, "answer with the new address", func(r received) bool { return r.msg.Response && r.msg.Id == 5 })
	if _, ok := hasAddr(ans.msg.Answer, "cozy.local.", moved); !ok || len(ans.msg.Answer) != 1 {
		t.Fatalf("answer %v", ans.msg)
	}
}

func TestResponderGoodbyeOnClose(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	r, c := startBox(t, Config{})
	c.await(t, "cozy")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	p.await(t, "goodbye", func(r received) bool {
		rr, ok := hasAddr(r.msg.Answer, "cozy.local.", boxV4)
		return ok && rr.Header().Ttl == 0
	})
	if err := r.SetNames(nil); err == nil {
		t.Fatal("SetNames on a closed responder succeeded")
	}
}

// startPeerBox starts a second box on the peer side of the link.
func startPeerBox(t *testing.T, cfg Config) (*Responder, *claims) {
	t.Helper()
	c := newClaims()
	cfg.OnClaim = c.onClaim
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil)).With("box", "peer")
	cfg.Addrs = []netip.Addr{peerV4, peerV6}
	var r *Responder
	inPeer(t, func(ifi *net.Interface) error {
		cfg.Interface = ifi
		var err error
		r, err = Start(context.Background(), cfg)
		return err
	})
	t.Cleanup(func() { r.Close() })
	return r, c
}

func TestResponderRenamesOnConflict(t *testing.T) {
	needLink(t)
	first, c1 := startBox(t, Config{Names: []string{"alice-drive"}})
	c1.await(t, "cozy")
	c1.await(t, "alice-drive")
	// A second box on the link wants the same names: it must end as
	// cozy-2 and alice-drive-2, and the first keeps its own.
	second, c2 := startPeerBox(t, Config{Names: []string{"alice-drive"}})
	if got := c2.await(t, "cozy"); got != "cozy-2" {
		t.Fatalf("second box got %q, want cozy-2", got)
	}
	if got := c2.await(t, "alice-drive"); got != "alice-drive-2" {
		t.Fatalf("second box's app got %q, want alice-drive-2", got)
	}
	if got := first.Claimed(); got["cozy"] != "cozy" || got["alice-drive"] != "alice-drive" {
		t.Fatalf("first box now holds %v", got)
	}
	if got := second.Claimed(); got["cozy"] != "cozy-2" {
		t.Fatalf("second box holds %v", got)
	}
}

func TestResponderSimultaneousProbes(t *testing.T) {
	needLink(t)
	// Both boxes start together: the tie-break (§8.2) or the first answer
	// decides, and they end with different names.
	_, c2 := startPeerBox(t, Config{})
	_, c1 := startBox(t, Config{})
	a, b := c1.await(t, "cozy"), c2.await(t, "cozy")
	if a == b || !slices.Contains([]string{a, b}, "cozy") {
		t.Fatalf("boxes hold %q and %q", a, b)
	}
}

func TestResponderStopsWithContext(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	ctx, cancel := context.WithCancel(context.Background())
	c := newClaims()
	r, err := Start(ctx, Config{Interface: boxInterface(t), Addrs: []netip.Addr{boxV4}, OnClaim: c.onClaim,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.await(t, "cozy")
	cancel()
	// The end of the context says goodbye like Close, and Close still waits.
	p.await(t, "goodbye", func(r received) bool {
		rr, ok := hasAddr(r.msg.Answer, "cozy.local.", boxV4)
		return ok && rr.Header().Ttl == 0
	})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestStartValidates(t *testing.T) {
	if _, err := Start(context.Background(), Config{}); err == nil {
		t.Fatal("started without an interface")
	}
	ifi := &net.Interface{Index: 1, Name: "lo"}
	if _, err := Start(context.Background(), Config{Interface: ifi, Names: []string{"a.b"}}); err == nil {
		t.Fatal("started with a dotted label")
	}
}
