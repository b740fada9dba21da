// Package permstore keeps the io.cozy.permissions documents of an instance:
// the permissions of installed apps and konnectors and the share-by-link
// permissions with their codes.
//
// App and konnector permissions have a fixed id, their source id
// ("io.cozy.apps/<slug>"), so that resolving a token is one read. Share
// codes are found by scanning the share permissions: an instance holds a
// few dozen of them at most. The doctype is reserved: the data API never
// reaches it.
package permstore
