// Package instance manages the instances served by one process: a
// household may have one per member, each chosen by the Host of a request.
//
// The registry of instances is a small bbolt file (instances.db) in the data
// directory, loaded whole into memory at start: even a hundred instances are
// a few kilobytes, and every request needs its instance without I/O. Each
// instance owns a directory, instances/<id>/, holding its document store
// and its files. An Instance value is immutable once published; Update
// copies it, so readers never lock.
//
// No lock of the manager is held across disk I/O: Get and List, which every
// request calls, never wait for a creation, an update, a deletion or a
// store opening. Writes of one instance are serialised by its own mutex,
// and each instance's store opens once, without blocking other instances.
//
// Limits: domain aliases and instance moves are not handled.
package instance
