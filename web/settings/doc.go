// Package settings serves /settings (passphrase, instance, capabilities,
// context, flags, sessions and the current one, OAuth clients and their
// synchronization), /public/prelogin, /public/avatar and /connection_check.
//
// A route is allowed to the owner's browser session or to a token whose
// permission covers io.cozy.settings with the route's verb. The session
// alone counts only for requests from the instance's own origin (no Origin
// header, or the instance's): CORS reflects origins with credentials, and
// an app on a sibling sub-domain is same-site. Onboarding (POST
// /settings/passphrase) needs the instance's registration token instead,
// which it consumes.
//
// Limits: no disk-usage route yet (the files area owns the per-instance
// file systems that count usage), no feature flags are defined (flags is
// empty), the avatar is always a generated fallback (no upload).
package settings
