// Package apps serves the /apps and /konnectors API (install, update,
// uninstall, list, show, icon, download, open, logs) and the app server:
// each installed web app answers on its own sub-domain of the instance
// (flat "<instance>-<slug>.<rest>" or nested "<slug>.<instance>").
//
// The app server picks the most specific route of the manifest, maps the
// path into the route's folder, renders the route's index as a template
// with upstream's variables ({{.Token}}, {{.Domain}}, {{.CozyData}}...),
// and sends the other files with their content type, an ETag, gzip for
// text, and a long Cache-Control for names carrying a hash. A private
// route needs a session: the instance's session cookie is handed to the
// app's sub-domain through a short-lived signed code (the session cookie
// itself is host-only), after a login when there is no session. Every
// response carries a per-app Content-Security-Policy.
//
// Handlers return their errors to httperr (one status table); every file
// of an app is read through the app's *os.Root (pkg/apps), so that no
// path or symbolic link leads out of its folder. Origins, links, the
// session hand-off redirects and the cookies' Secure flag come from the
// instance's public settings (inst.Origin, AppOrigin, Secure), never from
// how a request arrived. The shared assets (cozy-bar, cozy-client-js,
// fonts) are served under /assets/ from the binary.
package apps
