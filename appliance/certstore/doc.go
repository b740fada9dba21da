// Package certstore is certmagic's Storage over the box's bbolt file: the
// ACME account, the certificates and their keys, and the box CA's root live
// in one file beside the rest of the box's state, so a backup of the data
// directory carries them.
//
// Keys are certmagic's slash-separated keys; a key that prefixes others acts
// as a directory (Exists, Stat, List and Delete treat it so, as certmagic's
// FileStorage does). Each value carries its modification time.
//
// Locks are records in the same file with an owner token and an expiry that
// a goroutine of the holder pushes forward while the lock is held, so a lock
// left behind by a process that died goes stale after Options.Lease. Waiters
// in the same process are woken when a lock on the same file is released;
// otherwise they retry when the holder's lease would run out.
//
// Limits: bbolt admits one process per file, so the locks coordinate the
// goroutines and Storage values of one process (and survive its crash), not
// a cluster. Values are read whole (certmagic stores small items only).
package certstore
