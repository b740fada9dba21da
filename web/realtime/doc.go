// Package realtime serves the /realtime/ websocket (subprotocol
// io.cozy.websocket: AUTH, SUBSCRIBE, UNSUBSCRIBE; CREATED, UPDATED,
// DELETED, NOTIFIED and error events) and POST /realtime/:doctype/:id,
// which sends a document to the subscribers without storing it.
//
// The token given with AUTH is checked by the server's middleware.Auth, as
// if it came in an Authorization header of the upgrade request, so every
// kind of token (app, OAuth, CLI, konnector, share) is accepted or refused
// exactly as on the rest of the API. SUBSCRIBE needs GET on the whole
// doctype, or on the document when an id is given; a refusal is an error
// event with status 403, the connection stays open.
//
// No silent gap: the hub's feed never loses a store write (it catches up
// from the changes feed), and each connection has a bounded event buffer
// (Handler.Buffer): a client that does not read fast enough gets an error
// event (status 503, title ResyncTitle) and is disconnected (close code
// 1013, "try again later") instead of slowing writers down; it must reload
// what it watches when it reconnects.
//
// Limits: the permission is resolved once, at AUTH: revoking a token ends
// its access on the next connection only. Any Origin is accepted, since a
// foreign page cannot read the token that AUTH needs.
package realtime
