// Package remote serves the /remote API of an instance on top of
// pkg/remote: GET and POST /remote/:doctype proxy a request declared by a
// remote doctype definition to an external website, GET
// /remote/_all_doctypes lists the definitions and GET /remote/assets/:name
// fetches an asset chosen by the operator.
//
// A call needs a token whose permission covers the whole remote doctype
// with the verb used (an app token carries the app manifest's
// permissions); the doctype list needs GET on io.cozy.doctypes, an asset
// any valid token. Secrets come from the instance's io.cozy.remote.secrets
// documents and every call is recorded as an io.cozy.remote.requests
// document of the instance's store.
//
// Limits: the response body is streamed, not buffered; when it passes the
// size cap mid-stream the client connection is cut (HTTP/1) so the client
// sees a truncated, failed response rather than a short valid one. Only the
// first value of a repeated query parameter is used.
package remote
