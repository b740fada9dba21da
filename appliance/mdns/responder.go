package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// DefaultHost is the box's name on the LAN, cozy.local.
const DefaultHost = "cozy"

// Config says what a Responder serves and where.
type Config struct {
	// Interface is the LAN interface to serve on (required).
	Interface *net.Interface
	// Host is the box's label (DefaultHost when empty).
	Host string
	// Names are the flat app labels, e.g. "alice-drive".
	Names []string
	// Addrs are the box's addresses on Interface, answered for every name.
	Addrs []netip.Addr
	// Services are announced with DNS-SD records once Host is claimed, under
	// the claimed label as instance name. None when empty.
	Services []Service
	// TXT are the services' TXT strings, e.g. "version=1", "instances=2".
	TXT []string
	// OnClaim, when set, is told each time a name is won, with the label it
	// got (wanted+"-N" after a conflict). It runs on the responder's goroutine:
	// it must return quickly and must not call the Responder.
	OnClaim func(wanted, claimed string)
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Responder answers mDNS host queries for the box's names on one interface.
// Make one with Start; stop it with Close.
type Responder struct {
	cfg     Config
	log     *slog.Logger
	conn    *conn
	cmds    chan func()
	packets chan packet
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when the loop has ended
	wg      sync.WaitGroup
	once    sync.Once

	mu      sync.Mutex
	claimed map[string]string // wanted → label, for Claimed

	// Owned by the loop goroutine.
	names  map[string]*name // by wanted label
	addrs  []netip.Addr
	prev   []netip.Addr // addresses before the last SetAddrs
	gone   []netip.Addr // to say goodbye for in the next announcement
	svc    serviceSet
	direct unicastSockets
}

// Start opens the multicast sockets on cfg.Interface and starts probing for
// the box name and the app names. The responder runs until ctx ends or Close
// is called; Close must be called in both cases to wait for it.
func Start(ctx context.Context, cfg Config) (*Responder, error) {
	if cfg.Interface == nil {
		return nil, errors.New("mdns: no interface")
	}
	if cfg.Host == "" {
		cfg.Host = DefaultHost
	}
	for _, l := range append([]string{cfg.Host}, cfg.Names...) {
		if err := validLabel(l); err != nil {
			return nil, err
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c, err := openConn(cfg.Interface)
	if err != nil {
		return nil, err
	}
	r := &Responder{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "mdns", "interface", cfg.Interface.Name),
		conn:    c,
		cmds:    make(chan func()),
		packets: make(chan packet, 64),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
		claimed: map[string]string{},
		names:   map[string]*name{},
		addrs:   slices.Clone(cfg.Addrs),
		svc:     serviceSet{list: slices.Clone(cfg.Services), txt: slices.Clone(cfg.TXT)},
	}
	r.setNames(time.Now(), cfg.Names)
	r.direct = unicastSockets{}
	r.wg.Add(1) // the loop's count keeps wg above zero while it adds readers
	r.listenDirect()
	go r.loop(ctx)
	if c.v4 != nil {
		r.wg.Add(1)
		go r.read(c.read4)
	}
	if c.v6 != nil {
		r.wg.Add(1)
		go r.read(c.read6)
	}
	return r, nil
}

// Close says goodbye for every claimed name, withdraws the services, closes
// the sockets and waits for the responder's goroutines.
func (r *Responder) Close() error {
	r.once.Do(func() { close(r.quit) })
	r.wg.Wait()
	return nil
}

// SetNames replaces the app labels (the box label stays). New labels are
// probed before they are answered; dropped ones get a goodbye.
func (r *Responder) SetNames(labels []string) error {
	for _, l := range labels {
		if err := validLabel(l); err != nil {
			return err
		}
	}
	labels = slices.Clone(labels)
	return r.do(func() { r.setNames(time.Now(), labels) })
}

// SetAddrs replaces the box's addresses: every claimed name is announced
// again with the new ones (cache-flush) and goodbyes for the old ones.
func (r *Responder) SetAddrs(addrs []netip.Addr) error {
	addrs = slices.Clone(addrs)
	return r.do(func() {
		r.gone = nil
		for _, a := range r.addrs {
			if !slices.Contains(addrs, a) {
				r.gone = append(r.gone, a)
			}
		}
		r.prev, r.addrs = r.addrs, addrs
		now := time.Now()
		for _, n := range r.names {
			if n.owned() {
				n.state, n.sent, n.next = announcing, 0, now
			}
		}
		r.listenDirect()
		r.log.Info("mdns addresses changed", "addrs", addrs)
	})
}

// SetTXT replaces the services' TXT strings and announces them again.
func (r *Responder) SetTXT(txt []string) error {
	txt = slices.Clone(txt)
	return r.do(func() {
		r.svc.txt = txt
		if box := r.box(); box != nil && box.owned() {
			box.state, box.sent, box.next = announcing, 0, time.Now()
		}
	})
}

// Claimed returns the names held now: wanted label → claimed label.
func (r *Responder) Claimed() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.claimed)
}

// do runs f on the loop goroutine and waits for it.
func (r *Responder) do(f func()) error {
	done := make(chan struct{})
	select {
	case r.cmds <- func() { f(); close(done) }:
		<-done
		return nil
	case <-r.stopped:
		return errors.New("mdns: responder closed")
	}
}

// read forwards datagrams from one socket to the loop until it is closed.
func (r *Responder) read(read func([]byte) (packet, bool, error)) {
	defer r.wg.Done()
	buf := make([]byte, 9000)
	for {
		p, ok, err := read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			r.log.Debug("mdns read", "err", err)
			continue
		}
		if !ok {
			continue
		}
		select {
		case r.packets <- p:
		case <-r.stopped:
			return
		}
	}
}

// loop owns the names: it handles packets, commands and the probe and
// announcement timers until ctx ends or Close.
func (r *Responder) loop(ctx context.Context) {
	defer r.wg.Done()
	defer func() {
		r.send(goodbye(r.ownedNames(), r.addrs, r.serviceRecords(true)...), true, true)
		close(r.stopped)
		if err := r.conn.close(); err != nil {
			r.log.Warn("mdns close", "err", err)
		}
		for a, c := range r.direct {
			c.Close()
			delete(r.direct, a)
		}
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(r.untilNext(time.Now()))
		select {
		case <-ctx.Done():
			return
		case <-r.quit:
			return
		case f := <-r.cmds:
			f()
		case p := <-r.packets:
			r.handle(p, time.Now())
		case now := <-timer.C:
			r.tick(now)
		}
		r.publish()
	}
}

// listenDirect keeps one unicast socket per current address (see
// unicastSockets), each with its reader. Addresses not assigned on this host
// are skipped.
func (r *Responder) listenDirect() {
	for a, c := range r.direct {
		if !slices.Contains(r.addrs, a) {
			c.Close() // its reader ends
			delete(r.direct, a)
		}
	}
	for _, a := range r.addrs {
		if r.direct[a] != nil {
			continue
		}
		c, err := listenUnicast(r.cfg.Interface, a)
		if err != nil {
			r.log.Debug("mdns direct socket", "addr", a, "err", err)
			continue
		}
		r.direct[a] = c
		r.wg.Add(1)
		go r.read(readUnicast(c))
	}
}

// untilNext is the wait until the earliest due probe or announcement.
func (r *Responder) untilNext(now time.Time) time.Duration {
	d := time.Hour
	for _, n := range r.names {
		if n.state != claimed {
			d = min(d, max(n.next.Sub(now), 0))
		}
	}
	return d
}

// setNames makes the wanted set {Host} ∪ labels: new names start probing
// after a random delay of up to 250 ms (§8.1), dropped ones get a goodbye.
func (r *Responder) setNames(now time.Time, labels []string) {
	want := map[string]bool{strings.ToLower(r.cfg.Host): true}
	for _, l := range labels {
		want[strings.ToLower(l)] = true
	}
	var dropped []string
	for w, n := range r.names {
		if !want[w] {
			if n.owned() {
				dropped = append(dropped, n.fqdn())
			}
			delete(r.names, w)
		}
	}
	if len(dropped) > 0 {
		r.send(goodbye(dropped, r.addrs), true, true)
	}
	for w := range want {
		if r.names[w] == nil {
			r.names[w] = &name{wanted: w, attempt: 1, state: probing, next: now.Add(rand.N(probeInterval))}
		}
	}
}

// tick sends the probes and announcements that are due.
func (r *Responder) tick(now time.Time) {
	var probes, firstProbes, announce []string
	var won []*name
	for _, n := range r.names {
		if n.next.After(now) {
			continue
		}
		if n.state == probing {
			if n.sent < probeCount {
				if n.sent == 0 {
					firstProbes = append(firstProbes, n.fqdn())
				} else {
					probes = append(probes, n.fqdn())
				}
				n.sent++
				n.next = now.Add(probeInterval)
				continue
			}
			// Three probes and no conflict: the name is ours.
			n.state, n.sent = announcing, 0
			r.log.Info("mdns name claimed", "wanted", n.wanted, "name", n.fqdn())
			won = append(won, n)
		}
		if n.state == announcing {
			announce = append(announce, n.fqdn())
			n.sent++
			n.lastMulticast = now
			n.next = now.Add(announceInterval)
			if n.sent >= announceCount {
				n.state = claimed
			}
		}
	}
	// Only the first round asks for unicast answers: later rounds want
	// multicast ones, which reach us even when another socket on port 5353
	// (avahi's, zeroconf's) would take a unicast reply.
	if len(firstProbes) > 0 {
		r.send(probeQuery(firstProbes, r.addrs, true), true, true)
	}
	if len(probes) > 0 {
		r.send(probeQuery(probes, r.addrs, false), true, true)
	}
	if len(announce) > 0 {
		var svc []dns.RR
		if box := r.box(); box != nil && slices.Contains(announce, box.fqdn()) {
			svc = r.serviceRecords(false)
		}
		r.send(announcement(announce, r.addrs, r.gone, svc...), true, true)
		r.gone = nil
	}
	// Claimed reflects a name before OnClaim tells of it.
	r.publish()
	if r.cfg.OnClaim != nil {
		for _, n := range won {
			r.cfg.OnClaim(n.wanted, n.label())
		}
	}
}

// box is the box name's entry.
func (r *Responder) box() *name { return r.names[strings.ToLower(r.cfg.Host)] }

// serviceRecords are the DNS-SD records under the box's current label (TTL
// 0 when goodbye), none while the box name is not held.
func (r *Responder) serviceRecords(goodbye bool) []dns.RR {
	box := r.box()
	if box == nil || !box.owned() {
		return nil
	}
	return r.svc.records(box.label(), box.fqdn(), goodbye)
}

// lookup answers one question: host records first, then the services.
func (r *Responder) lookup(q dns.Question) (rrs, extra []dns.RR, n *name) {
	if rrs, extra, n := hostLookup(q, r.ownedByFQDN, r.addrs); n != nil {
		return rrs, extra, n
	}
	box := r.box()
	if box == nil || !box.owned() {
		return nil, nil, nil
	}
	hostAddrs := func() []dns.RR { return hostRRs(box.fqdn(), r.addrs, dns.TypeANY, hostTTL, true) }
	rrs, extra, ok := r.svc.lookup(q, box.label(), box.fqdn(), hostAddrs)
	if !ok {
		return nil, nil, nil
	}
	return rrs, extra, box
}

// handle reacts to one datagram: conflicts in responses, tie-breaks in
// probes, answers to questions.
func (r *Responder) handle(p packet, now time.Time) {
	m := new(dns.Msg)
	if err := m.Unpack(p.data); err != nil {
		return
	}
	if m.Response {
		r.checkConflicts(m, now)
		return
	}
	if m.Opcode != dns.OpcodeQuery {
		return
	}
	r.tieBreak(m, now)
	out := answer(m, p.from, r.lookup, now)
	if out.multicast != nil {
		r.send(out.multicast, p.from.Addr().Is4(), p.from.Addr().Is6())
	}
	if out.unicast != nil {
		if b, err := out.unicast.Pack(); err == nil {
			if err := r.conn.unicast(b, p.from); err != nil {
				r.log.Debug("mdns unicast", "to", p.from, "err", err)
			}
		}
	}
}

// checkConflicts restarts probing for each of our names another host
// answers for (§9), under a new label when we were still probing.
func (r *Responder) checkConflicts(m *dns.Msg, now time.Time) {
	hit := map[*name]bool{}
	for _, rr := range slices.Concat(m.Answer, m.Extra) {
		n := r.byFQDN(strings.ToLower(rr.Header().Name))
		if n != nil && conflicts(rr, r.own) {
			hit[n] = true
		}
	}
	for n := range hit {
		if n == r.box() && n.owned() {
			// The services lose their instance name with the host name.
			r.send(goodbye(nil, nil, r.serviceRecords(true)...), true, true)
		}
		old := n.fqdn()
		rename := n.state == probing
		n.restart(now, rand.N(probeInterval), rename)
		r.log.Warn("mdns name conflict", "name", old, "next", n.fqdn())
	}
}

// tieBreak compares another host's probe with ours for each name both are
// probing; the loser waits a second and probes again (§8.2).
func (r *Responder) tieBreak(m *dns.Msg, now time.Time) {
	if len(m.Ns) == 0 {
		return
	}
	for _, n := range r.names {
		if n.state != probing || n.sent == 0 {
			continue
		}
		theirs := recordsFor(m.Ns, n.fqdn())
		if len(theirs) == 0 {
			continue
		}
		if lostTieBreak(hostRRs(n.fqdn(), r.addrs, dns.TypeANY, hostTTL, false), theirs) {
			n.restart(now, lostTieDelay, false)
			r.log.Info("mdns lost probe tie-break", "name", n.fqdn())
		}
	}
}

// own tells whether a is one of the box's addresses, current or previous.
func (r *Responder) own(a netip.Addr) bool {
	return slices.Contains(r.addrs, a) || slices.Contains(r.prev, a)
}

// byFQDN finds the name currently probed or held as fqdn.
func (r *Responder) byFQDN(f string) *name {
	for _, n := range r.names {
		if n.fqdn() == f {
			return n
		}
	}
	return nil
}

// ownedByFQDN is byFQDN limited to names we may answer for.
func (r *Responder) ownedByFQDN(f string) *name {
	if n := r.byFQDN(f); n != nil && n.owned() {
		return n
	}
	return nil
}

// ownedNames lists the fqdns we may answer for.
func (r *Responder) ownedNames() []string {
	var out []string
	for _, n := range r.names {
		if n.owned() {
			out = append(out, n.fqdn())
		}
	}
	slices.Sort(out)
	return out
}

// publish copies the held names for Claimed.
func (r *Responder) publish() {
	c := map[string]string{}
	for w, n := range r.names {
		if n.owned() {
			c[w] = n.label()
		}
	}
	r.mu.Lock()
	r.claimed = c
	r.mu.Unlock()
}

// send multicasts m to the chosen groups, in as many packets as it takes
// (see split).
func (r *Responder) send(m *dns.Msg, v4, v6 bool) {
	if len(m.Answer)+len(m.Question)+len(m.Extra) == 0 {
		return
	}
	for _, part := range split(m, maxPacket) {
		b, err := part.Pack()
		if err != nil {
			r.log.Warn("mdns pack", "err", err)
			return
		}
		if err := r.conn.multicast(b, v4, v6); err != nil {
			r.log.Debug("mdns multicast", "err", fmt.Errorf("send: %w", err))
		}
	}
}
