// Package session keeps the login sessions of an instance's owner: session
// documents (io.cozy.sessions, reserved), the signed cookie that names
// them, the login history (io.cozy.sessions.logins), CSRF tokens for the
// server's own forms, the signed cookie of known devices and the limits
// on passphrase attempts (Limiter: exponential backoff per address or
// known device, an instance-wide alarm that leaves known devices alone).
//
// A session has an absolute lifetime counted from its creation; it is not
// extended by use. The cookie holds the session id and an HMAC of it with
// the instance's session secret, so forged cookies are refused without a
// store read. Limits: the attempt counters are in memory (lost on
// restart), which suits one process on one board; a known device stays
// known until its cookie expires (changing the passphrase does not
// forget it).
package session
