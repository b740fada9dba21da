// Package settings serves /settings (passphrase, instance, capabilities,
// context, flags, sessions and the current one, OAuth clients and their
// synchronization), /public/prelogin, /public/avatar and /connection_check.
//
// A route is allowed to the owner's browser session or to a token whose
// permission covers io.cozy.settings with the route's verb. The session
// counts only for requests from the instance's own origin, compared
// exactly with inst.Origin() (scheme included): CORS reflects origins with
// credentials, and an app on a sibling sub-domain is same-site. A
// state-changing request riding on the cookie from another origin, or
// without Origin and without a token, is refused (403); a program with a
// token is decided by its token. Onboarding (POST /settings/passphrase)
// needs the instance's registration token instead, which it consumes.
//
// Limits: no feature flags are defined (flags is empty), the avatar is
// always a generated fallback (no upload).
package settings
