// Package pages renders the few HTML pages the server itself serves:
// onboarding, login, the logged-in page and the OAuth consent page, in
// English and French. Templates, CSS and script are embedded in the binary
// and reference no external asset; the script derives the passphrase
// secret in the browser with WebCrypto (PBKDF2-SHA256) so that the clear
// passphrase never leaves it.
package pages
