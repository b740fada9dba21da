// Package auth serves the authentication routes of an instance: the root
// page (onboarding link, or where to go), /auth/login and logout, session
// codes and the OAuth2 authorization server (/auth/register,
// /auth/authorize, /auth/access_token).
//
// The passphrase itself never arrives: browsers send a PBKDF2-derived
// secret (see pages), which is checked against its Argon2id hash within
// session.Limiter's limits: per client address (c.ClientIP, which believes
// X-Forwarded-For only from trusted proxies) with exponential backoff, and
// per instance for unknown devices only, so that an attack from many
// addresses does not lock out a browser that logged in before (its signed
// cozydevice cookie) nor the owner on a new network.
//
// Cookies, redirects and links take their scheme from the instance's
// public URL (inst.Secure, inst.PageURL), never from the connection.
// Cookie-authenticated changes must come from the instance's origin
// (CheckOrigin). No CORS header is ever sent on these routes. OAuth's
// protocol endpoints answer errors in RFC 6749's shape, the others in
// JSON:API's (httperr) or as an HTML page.
package auth
