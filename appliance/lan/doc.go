// Package lan puts the box on its household LAN by name: it runs one mDNS
// responder (appliance/mdns) per LAN interface for the box name
// (cozy.local) and every app name the box serves under .local
// (<instance-label>-<slug>.local), announces the DNS-SD services _cozy._tcp,
// _https._tcp and _http._tcp (TXT version= and instances=), and optionally
// the LAN DNS server (appliance/landns) with the same names plus the
// instances' other domains, forwarding the rest upstream.
//
// The caller says what the box serves through a Directory and tells the
// Service when it changed (Refresh) or when the box is renamed (SetHost).
// The Service follows the interfaces and their addresses itself: it
// listens to the kernel's rtnetlink address and link events (and polls, in
// case netlink is not available) and moves the responders and the DNS
// records along. When another host holds the box name the responder takes
// the next free one (cozy-2.local); Name and Config.OnName tell the server
// which name it got.
//
// Limits:
//   - Only single-label .local names are served over mDNS: an instance at
//     alice.local and its flat app hosts (alice-drive.local). Nested app
//     hosts (drive.alice.local) and other domains are answered by the LAN
//     DNS server only.
//   - Each interface probes on its own; Name is the box name held on the
//     interface with the lowest index when they disagree.
//   - The LAN DNS server answers the wanted names and the claimed ones with
//     every LAN address of the box (link-local IPv6 left out), whatever
//     interface the question came on.
//   - The DNS server's default upstreams are read from /etc/resolv.conf
//     once, at Start.
//   - Interfaces are chosen by name (Config.Interfaces) or, by default, as
//     every interface that is up, multicast-capable, not loopback and not
//     point-to-point, with at least one address.
package lan
