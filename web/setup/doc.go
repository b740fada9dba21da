// Package setup serves the household box's first boot: the setup page at
// http://<box>.local/box/setup (and on the box's LAN addresses), its API,
// the HTTPS progress the page polls, and the box CA's root for devices in
// the LAN way. Its gate middleware sends every other request made to the
// box's own names to the setup page while the setup is open, and plain
// HTTP to HTTPS once the certificates are ready, except /status, /version
// and /box/ (the CA root must stay downloadable over HTTP, and the page
// polls progress while HTTPS comes up).
//
// Who may set the box up: whoever knows the setup code, which the box
// logs on its console at first boot (pkg/box). The page asks for it; a
// LAN neighbour without it gets 403. The first member's passphrase is set
// on the instance's own onboarding page, which the setup page opens next.
// Once set up, the page redirects to the household's instance and the API
// answers 409; bad input is a 4xx that names the field (400 malformed
// JSON, 403 wrong code, 415 not JSON, 422 an unusable value or a choice
// the certificates manager refused) and leaves nothing made.
//
// Limits: the page is in English only; the choice of HTTPS cannot be
// changed once made.
package setup
