// Package permstore keeps the io.cozy.permissions documents of an instance:
// the permissions of installed apps and konnectors and the share-by-link
// permissions with their codes, and decides what a token may do with them
// (share only what it holds, manage the shares it made).
//
// App and konnector permissions have a fixed id, their source id
// ("io.cozy.apps/<slug>"), so that resolving a token is one read. A share
// code is a share token naming the share it was made for (and a random
// part, so no two codes are alike): resolving it is one read too, and a
// code only ever opens its own share, while that share lists it and has
// not expired. The doctype is reserved: the data API never reaches it.
//
// Limits: shortcodes are made (unique among the stored shares) but nothing
// resolves them yet; listing shares scans the share documents, which an
// instance holds a few dozen of.
package permstore
