// Package certs is the box's certificate manager: it gives the HTTPS
// listener one tls.Config whose certificates are obtained, stored (in the
// box's bbolt file, see certstore) and renewed by certmagic.
//
// Two modes:
//   - "domain": the household owns a domain (or a dynamic-DNS name). The
//     manager obtains certificates for <domain> and *.<domain> from an ACME
//     CA (Let's Encrypt by default) with DNS-01 challenges written through
//     a libdns provider (RFC 2136, deSEC, DuckDNS, Cloudflare, OVH), so the
//     box needs no open port. Instances (alice.<domain>) and flat app hosts
//     (alice-drive.<domain>) are covered by the wildcard. Through the same
//     provider it keeps the domain's and the wildcard's A/AAAA records
//     pointed at the box's LAN addresses (SetAddrs).
//   - "lan": no domain. Certificates are issued on demand, at the TLS
//     handshake, by the box's own name-constrained CA (boxca), and only for
//     the box's .local names and LAN addresses (LANDecision).
//
// Status reports names, expiry, next renewal and the last error, for the
// settings page and `cozy status`. Renewal is certmagic's maintenance loop.
// Start begins the work; Close stops it and waits for every goroutine the
// manager started.
//
// Limits: one domain per manager. In domain mode a name outside the
// domain gets no certificate. NextRenewal is computed from the validity
// period and the renewal ratio; a CA's ARI window can make the actual
// renewal earlier. Background renewals that certmagic queues on its own
// job queue (on-demand certificates in lan mode) are not waited for by
// Close, though the maintenance loop that starts them is.
package certs
