// Package update knows the box's A/B layout: which root slot (cozy-root-a
// or cozy-root-b) is running, which one an update would write, the
// release the image was built as, and the partitions behind them. It reads
// the running system (kernel command line, /usr/lib/cozy-release, the
// by-label device links and sysfs) under a root directory, so tests run it
// on a tree of their own.
//
// Limits: it reports; it does not yet write a slot. Signed update bundles,
// the one-try boot of the new slot and its commit or rollback are not
// implemented.
package update
