// Package registry serves the querying API of the apps registries
// (registry.md: GET /registry, /registry/maintenance, /registry/:app,
// /registry/:app/:version, /registry/:app/:channel/latest and the icons
// and screenshots), proxied to the configured registries through the
// apps fetcher's guarded client, so that a Store app can list and install
// apps.
//
// The JSON routes need a token of the instance (an app's, an OAuth
// client's or the CLI's; share tokens are refused); the images may also
// be loaded with the owner's session cookie alone (an <img> carries no
// token). Limits: a list is the first answering registry's (see
// apps.Fetcher.QueryRegistries); answers are not cached by the server.
package registry
