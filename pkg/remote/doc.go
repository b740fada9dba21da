// Package remote implements the domain side of Cozy's remote doctypes: a
// client-side app asks the stack to call an external website on its behalf,
// through a request template declared per doctype, and every call is logged
// as an io.cozy.remote.requests record so the owner can check later that no
// personal data leaked.
//
// The package provides:
//
//   - ParseRequest, which reads upstream's "request" file format (verb and
//     URL on the first line, header lines, a blank line, a body template);
//   - Render, which injects variables with escaping fitted to where they
//     land (path segment, query value, header value, body helpers);
//   - Registry, the definitions shipped inside the binary (upstream's
//     cozy-doctypes set) optionally overridden by a development directory;
//   - Client, an HTTP client that refuses special-purpose addresses (IANA
//     IPv4 and IPv6 registries) at connect time, so redirects and DNS
//     rebinding are covered, with a port policy, no proxy from the
//     environment, a response size cap and a total time limit;
//   - Proxy, which ties the above together with a SecretStore for
//     {{secret_*}} variables and a Logger for the request records;
//   - for the web layer: ParamsFromQuery and ParamsFromJSON to build a Call,
//     HTTPStatus and PublicMessage to answer errors as upstream does.
//
// Limits and responsibilities left to callers:
//
//   - Permissions are not checked here. The web layer must verify that the
//     calling app's manifest declares the remote doctype (and GET on
//     io.cozy.doctypes for the doctype list) before calling Proxy.Do.
//   - Response bodies are streamed, not buffered: when the size cap is hit
//     mid-stream, Read returns an error wrapping ErrResponseTooLarge and the
//     handler must abort the client connection rather than end it cleanly.
//     Bodies that announce a too large Content-Length are refused up front.
//   - The request record is written once the response headers are known; a
//     failure while streaming the body is not recorded.
//   - Only GET and POST definitions exist, as upstream.
package remote
