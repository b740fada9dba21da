// Package update keeps the box's A/B root slots: which slot (cozy-root-a
// or cozy-root-b) runs and which one a normal boot starts, and how a
// signed update moves from one to the other.
//
// A bundle (bundle.go) is a tar stream: manifest.json, its ed25519
// signature, the boot files of a slot directory, the root ext4 image
// gzip-compressed. Reader checks the signature against the image's
// trusted keys (KeysDir) before anything else, then hashes each payload
// as it is read, so a bundle can be applied from a download as it
// arrives. Updater.Apply writes the spare slot (boot files to
// /boot/firmware/slot-X/, the image to the partition, relabelled
// cozy-root-X), writes tryboot.txt and arms the board's one-try boot
// (the Pi firmware's "0 tryboot" reboot, whose flag the image's
// cozy_tryboot.ko sends to the firmware, the Debian kernel cannot; on
// board qemu a TRYBOOT file the image test's loop reads). Updater.Commit, at every boot, makes a tried
// slot the default once the server is healthy, or records the failure and
// reboots into the committed slot; the next normal boot records the
// rollback. Stager is the unprivileged server's side: it checks a bundle
// and leaves it in StateDir for the root unit to apply. Everything is read
// under System.Root, so tests run on trees of files standing for the
// partitions.
//
// Limits: config.txt (the committed slot) is only rewritten by a commit,
// by a synced write and a rename, which FAT does not make strictly
// atomic; everything an apply writes is synced before the one-try boot
// is armed, so a crash leaves the committed slot booting. A trial that
// hangs before cozy-update-commit.service runs (no kernel panic, no
// reboot) comes back through the hardware watchdog PID 1 arms (15 s), or
// a power cycle when it hangs before PID 1 starts. A bundle
// built before the running system (manifest created older than the
// release's COZY_CREATED, the commit time) is refused (ErrDowngrade)
// unless explicitly allowed, by the server's stage and again by the root
// updater; the same build is no downgrade. The dates are the builder's
// word, signed: a bundle signed later from an old tree with a new date
// passes. An image without COZY_CREATED (older than the check) accepts
// any bundle, and logs that it does. The admin API's override is
// recorded beside the staged bundle, so the root updater trusts the
// server (as the one who checked the passphrase) to ask for it. Keys are
// not revocable other than by an update removing them from the image
// (with the downgrade check, an old bundle cannot bring them back). Only
// the primary ext4 superblock is relabelled (as e2label does). The server stages a bundle on the data
// partition, so it needs as much free space there as the bundle's size.
package update
