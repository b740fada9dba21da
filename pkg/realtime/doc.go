// Package realtime fans document events out to live subscribers (the
// /realtime/ websocket). A Hub keeps, per instance, the subscribers and
// what each watches (a whole doctype or single documents); the store's
// committed writes are fed in with Attach, and NOTIFIED events (documents
// that are never stored) with Publish.
//
// Publishing never blocks: each subscriber has a bounded buffer and is
// dropped (its channel closed, Dropped true) when the buffer is full, so a
// slow websocket client can only lose its own connection, and is told so
// (the web layer closes the socket with an explicit error for the client to
// resync). The feed from a store never loses a write: when it falls behind
// the store's bus, it catches up from the changes of the watched doctypes
// (package follow). Events are shared between subscribers and encoded to
// JSON once.
//
// Limits: events live in memory only, nothing is replayed to a subscriber
// that connects later; permission checks are the caller's job (the web
// layer checks GET on what is watched before calling Watch).
package realtime
