// Package boxca is the box's own certificate authority for the "LAN only"
// way to HTTPS: made at first boot, kept in the box's storage, and
// name-constrained so that a household that installs its root on a phone
// vouches for the box's .local names and LAN addresses only, never for
// another site.
//
// The root (ECDSA P-256, ten years) carries critical name constraints: DNS
// names under "local" (RFC 5280 form: cozy.local, cozy-drive.local, ...) and
// IP addresses in the LAN prefixes given at creation, or no IP address at all
// when none is given. It may sign leaf certificates only (path length 0).
// Issue refuses names and addresses outside the constraints, and a leaf
// forged with the CA key for another name would not verify anyway.
//
// Limits: the IP constraints are fixed when the root is made; a household
// that moves to another LAN prefix needs a new root (and must install it
// again). There is no revocation (leaves are short-lived instead), and leaves
// are signed directly by the root (no intermediate), so the root key must stay
// on the box. Storage is an interface that certmagic's Storage satisfies.
package boxca
