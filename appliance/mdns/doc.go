// Package mdns makes the box reachable by name on its household LAN with
// Multicast DNS (RFC 6762): it answers A and AAAA questions for the box name
// (cozy.local) and for every flat app name it is told about
// (<instance>-<slug>.local), and it announces the box's DNS-SD services
// (_cozy._tcp, _https._tcp, _http._tcp with their TXT strings).
//
// The responder is our own, built on miekg/dns: grandcat/zeroconf answers
// service questions but never a plain A/AAAA question for a host name, and
// its server cannot be stopped cleanly (Shutdown right after RegisterProxy
// races with its reader start-up, SetText with its announcement goroutine,
// which outlives Shutdown by seconds; all seen with -race). zeroconf stays as
// the independent client in the tests.
//
// The responder probes each name before claiming it (three probes 250 ms
// apart, with the simultaneous-probe tie-break of §8.2), renames on conflict
// (cozy → cozy-2 → cozy-3), announces claimed names twice with the
// cache-flush bit, answers multicast (QM), unicast-response (QU) and legacy
// unicast queries, re-announces when the caller sets new addresses, and says
// goodbye (TTL 0) for names and addresses it drops and on Close.
//
// Limits:
//   - One network interface per Responder; the caller watches interfaces and
//     calls SetAddrs (or makes a new Responder for another interface).
//   - Host names get A, AAAA and NSEC records; the services get PTR, SRV and
//     TXT records under the box's claimed label as instance name. Service
//     instance names are not probed on their own: they are unique when the
//     box name is. No service subtypes, no multiple instances per type.
//   - A renamed app name gets a "-N" suffix too (alice-drive → alice-drive-2);
//     the caller reads the claimed names with Claimed or Config.OnClaim.
//   - What the responder multicasts goes in packets of one Ethernet frame
//     at most, each name's records together (a box with 20 instances of 10
//     apps announces some 27 kB); unicast answers are not split.
//   - No rate limit on probing after many conflicts (RFC 6762 §8.1 asks for a
//     5 s pause after 15 conflicts in 10 s), and no re-announcement beyond the
//     two of §8.3.
//   - The kernel hands a unicast datagram for port 5353 to one socket only;
//     the responder binds each of its addresses on 5353 as well, so that
//     direct queries reach it rather than another mDNS stack's (avahi's)
//     wildcard socket. An
//     address not assigned on the host (or a link-local IPv6 one whose zone
//     is missing) gets no such socket, and then only multicast queries reach
//     the responder. Probes ask for unicast answers only in the first round.
package mdns
