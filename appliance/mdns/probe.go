package mdns

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// RFC 6762 §8 timings.
const (
	probeInterval    = 250 * time.Millisecond
	probeCount       = 3
	announceInterval = time.Second
	announceCount    = 2
	// lostTieDelay is how long a host that lost a simultaneous-probe
	// tie-break waits before probing again (§8.2).
	lostTieDelay = time.Second
)

// state is where a name is in its claim (§8).
type state int

const (
	probing    state = iota // asking whether anyone else holds it
	announcing              // won; telling the link, and answering
	claimed                 // announced; answering
)

// name is one host name the responder wants, and what it holds now.
type name struct {
	wanted        string // label asked for, e.g. "cozy"
	attempt       int    // 1 for wanted itself, N for wanted-N
	state         state
	sent          int       // probes or announcements sent in this state
	next          time.Time // when the next probe or announcement is due
	lastMulticast time.Time // last multicast answer or announcement
}

// label is the label currently probed or held.
func (n *name) label() string {
	if n.attempt <= 1 {
		return n.wanted
	}
	return fmt.Sprintf("%s-%d", n.wanted, n.attempt)
}

// fqdn is label() under .local.
func (n *name) fqdn() string { return fqdn(n.label()) }

// owned tells whether the name may be answered for.
func (n *name) owned() bool { return n.state != probing }

// restart sends the name back to probing, under the next label when rename
// is true (§9: a conflict makes the host probe again; a conflict while
// probing makes it pick a new name).
func (n *name) restart(now time.Time, delay time.Duration, rename bool) {
	if rename {
		n.attempt = max(n.attempt, 1) + 1
	}
	n.state = probing
	n.sent = 0
	n.next = now.Add(delay)
}

// validLabel checks that s is one DNS label we can serve: letters, digits and
// hyphens, 1 to 59 octets (room for a "-NNN" rename suffix within 63).
func validLabel(s string) error {
	if len(s) == 0 || len(s) > 59 {
		return fmt.Errorf("mdns: label %q: length must be 1 to 59", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("mdns: label %q: only letters, digits and hyphens", s)
		}
	}
	if s[0] == '-' || s[len(s)-1] == '-' {
		return fmt.Errorf("mdns: label %q: no leading or trailing hyphen", s)
	}
	return nil
}

// lostTieBreak runs the simultaneous-probe tie-break of RFC 6762 §8.2 for
// one name: both sides' proposed records, sorted by class, type and data, are
// compared in order; the lexicographically later set wins. It reports true
// when ours loses. Identical sets (our own probe echoed back, or a host
// proposing the same data) are no conflict.
func lostTieBreak(ours, theirs []dns.RR) bool {
	a, b := sortedRecords(ours), sortedRecords(theirs)
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareRecord(a[i], b[i]); c != 0 {
			return c < 0
		}
	}
	return len(a) < len(b)
}

// sortedRecords sorts a copy of rrs in tie-break order.
func sortedRecords(rrs []dns.RR) []dns.RR {
	out := slices.Clone(rrs)
	slices.SortFunc(out, compareRecord)
	return out
}

// compareRecord orders records by class (without the cache-flush bit), type,
// then raw data (§8.2).
func compareRecord(a, b dns.RR) int {
	ha, hb := a.Header(), b.Header()
	if c := cmp.Compare(ha.Class&^cacheFlush, hb.Class&^cacheFlush); c != 0 {
		return c
	}
	if c := cmp.Compare(ha.Rrtype, hb.Rrtype); c != 0 {
		return c
	}
	return bytes.Compare(rdata(a), rdata(b))
}

// conflicts tells whether a record seen in another host's response claims
// one of our names: any live record for the name, except our own addresses
// (another mDNS stack on this box may announce them too, and identical
// data is no conflict, §9).
func conflicts(rr dns.RR, own func(netip.Addr) bool) bool {
	if rr.Header().Ttl == 0 {
		return false
	}
	switch r := rr.(type) {
	case *dns.A:
		a, _ := netip.AddrFromSlice(r.A.To4())
		return !own(a)
	case *dns.AAAA:
		a, _ := netip.AddrFromSlice(r.AAAA)
		return !own(a)
	case *dns.NSEC:
		return false // says what the other host lacks, not what it holds
	}
	return true
}

// recordsFor picks the records of section that are named n.
func recordsFor(section []dns.RR, n string) []dns.RR {
	var out []dns.RR
	for _, rr := range section {
		if strings.EqualFold(rr.Header().Name, n) {
			out = append(out, rr)
		}
	}
	return out
}
