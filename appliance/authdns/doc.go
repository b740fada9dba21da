// Package authdns is a small authoritative DNS server for one zone, changed
// by RFC 2136 dynamic updates authenticated with TSIG. It is the project's
// own name server for a household domain that delegates to the box (or for
// tests: ACME servers such as pebble resolve DNS-01 challenges against it),
// and the other side of the libdns rfc2136 provider the certificate manager
// uses.
//
// It serves UDP and TCP (miekg/dns), answers with the AA flag for names in
// its zone and REFUSED for the rest, gives SOA and NS at the apex only, puts
// the SOA in the authority section of negative answers (so resolvers find the
// zone cut), synthesises answers from wildcard records (RFC 4592) and splits
// nothing: records are kept as they were sent. Updates are applied atomically
// after their prerequisites are checked, and bump the SOA serial.
//
// Limits: one zone per server, records kept in memory only (the box
// republishes its records at start), no zone transfer (AXFR) and no NOTIFY,
// no DNSSEC, no CNAME or DNAME processing (such records are stored and
// answered for their own type only).
package authdns
