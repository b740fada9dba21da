// Package auth serves the authentication routes of an instance: the root
// page (onboarding link, or where to go), /auth/login and logout, and the
// OAuth2 authorization server (/auth/register, /auth/authorize,
// /auth/access_token).
//
// Wrong passphrases are throttled per instance and per client address
// (the connection's address: X-Forwarded-For is not trusted). The
// passphrase itself never arrives: browsers send a PBKDF2-derived secret
// (see pages), which is checked against its Argon2id hash. No CORS header
// is ever sent on these routes.
package auth
