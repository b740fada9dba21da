// Package box holds the household box's own state: whether its
// first-boot setup is still open, the household it was set up for (name,
// first member's instance, time zone) and how it gets HTTPS (the
// household's choice and the certificates' progress). It is stored in
// box.db, a bbolt file in the data directory.
//
// The setup is done once, by the first visitor of http://<name>.local who
// knows the setup code: a short code generated at first boot, logged on
// the box's console (and kept in box.db until the setup is done), so that
// a LAN neighbour cannot take a fresh box over. Setup creates the first
// member's instance without a passphrase: the member chooses it on the
// instance's own onboarding page (its registration link is the result),
// where the browser derives the secret, so no clear passphrase crosses
// the LAN.
//
// Certificates are another package's concern (ACME DNS-01, a box-local
// CA): Box drives them through the Certificates interface. Until the real
// manager is wired in, a Box without one offers only the "later" way
// (plain HTTP on the LAN).
//
// Limits: one household per box; the HTTPS choice is made once (changing
// it later is not offered yet); a failed save after Certificates.Configure
// leaves the certificates manager configured (the next setup reconfigures
// it).
package box
