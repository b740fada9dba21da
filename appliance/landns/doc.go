// Package landns is the box's optional DNS server for its household LAN: the
// household points the router's DHCP DNS setting at the box, and phones that
// ignore .local (Android, Windows) then reach the box by name. It answers the
// box's own names (cozy.local, the app names, the household domain and its
// wildcard) with the box's LAN addresses, and forwards every other question
// to the configured upstream resolvers, over UDP and TCP (miekg/dns).
//
// Forwarded answers are cached (bounded LRU, TTLs counted down, negative
// answers kept for their SOA minimum, nothing kept longer than MaxCacheTTL),
// and each client address gets a token bucket: past its budget it is answered
// REFUSED. Answers to UDP clients are truncated (TC bit) to the client's
// advertised EDNS size or 512 octets, so the client retries over TCP.
//
// Limits: no DNSSEC validation (the DO bit is passed through and part of the
// cache key), no concurrent-miss coalescing (two clients asking the same
// uncached name make two upstream queries), one question per message, and
// the server is meant for the LAN: AllowedClients should name the LAN
// prefixes so that it is never an open resolver.
package landns
