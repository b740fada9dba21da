// Package oauth is the OAuth2 authorization server of an instance: clients
// registered dynamically (RFC 7591/7592), single-use authorization codes
// bound to a PKCE S256 challenge and an exact redirect URI, and the access
// and refresh tokens issued for them.
//
// Clients and codes are documents of the instance store (io.cozy.oauth.clients,
// io.cozy.oauth.access_codes, both reserved). Tokens are instance JWTs
// naming the client; they stop working when the client is deleted, since
// every use checks that the client still exists. Scopes are permission
// scope strings. Limits: no implicit grant, no "plain" PKCE, no client
// credentials grant.
package oauth
