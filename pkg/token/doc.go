// Package token issues and checks the JSON Web Tokens of an instance.
//
// Tokens are HS256 JWTs signed with a per-instance secret, with upstream
// Cozy's claims: aud (the kind of token), iss (the instance's domain), iat,
// sub (the app slug, OAuth client id...) and scope (a permission scope
// string). Each audience has upstream's lifetime, counted from iat, so that
// a token issued by one version of the server keeps its meaning in another;
// an explicit exp can shorten it.
//
// Limits: tokens are not individually revocable here; revocation is done by
// the caller checking what the token names (the OAuth client still exists,
// the app is still installed, the session is still open).
package token
