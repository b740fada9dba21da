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
// cozy-root-X), writes tryboot.txt and arms the one-try boot with a
// TRYBOOT file, the same on every board: at the next boot the committed
// slot's initramfs deletes it and kexecs into tryboot.txt's slot (the Pi
// firmware's own tryboot needs a kernel driver the Debian kernel lacks). Updater.Commit, at every boot, makes a tried
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
// reboot) waits for a watchdog or a power cycle to come back. There is no
// downgrade protection: any bundle signed by a trusted key is accepted,
// older versions too. Keys are not revocable other than by an update
// removing them from the image. Only the primary ext4 superblock is
// relabelled (as e2label does). The server stages a bundle on the data
// partition, so it needs as much free space there as the bundle's size.
package update
