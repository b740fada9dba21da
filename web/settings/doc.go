// Package settings serves /settings (passphrase, instance, capabilities,
// sessions, OAuth clients) and /public/prelogin.
//
// A route is allowed to the owner's browser session or to a token whose
// permission covers io.cozy.settings with the route's verb. Onboarding
// (POST /settings/passphrase) needs the instance's registration token
// instead, which it consumes.
package settings
