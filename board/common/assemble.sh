#!/bin/bash
# Assembles the SD-card image of one board, or an update bundle's parts,
# from parts built on the host: the Debian userland (mmdebstrap
# directory), the unpacked kernel and firmware packages, the cross-built
# cozy binary, the rootfs/ overlay and board/<name>/. No loop mount and no
# emulation: the partitions are made as files (mkfs.vfat + mcopy,
# mke2fs -d) and written into the image with dd.
#
# Layout (MBR, 1 MiB aligned):
#   1 COZYBOOT    FAT32  firmware, config.txt, slot-a/ (kernel, initrd,
#                        cmdline.txt, device trees; os_prefix picks it)
#   2 cozy-root-a ext4   the read-only root of slot A
#   3 cozy-root-b        slot B, left empty until the first update
#   4 cozy-data   ext4   /data: what the household owns; grown to the end
#                        of the card on first boot (cozy-grow-data.service)
#
# MODE=bundle makes, instead of the image, what `cozy box bundle` signs:
# $W/bundle/boot/ (a slot's boot files, cmdline.txt with @SLOT@ for the
# slot the box writes) and $W/bundle/root.ext4, sized to its content and
# labelled cozy-root (the box labels it cozy-root-<slot> as it writes it).
# Two test-only knobs of the bundle: BUNDLE_CMDLINE is added to its
# cmdline.txt (cozy.commit_deadline=SECONDS), BUNDLE_TEST_BREAK=1 adds a
# drop-in that makes cozy.service fail, so that the bundle never commits.
#
# Usage: assemble.sh (environment: BOARD VERSION W X USERLAND COZY TOP
# UPDATE_PUB, optional MODE BUNDLE_CMDLINE BUNDLE_TEST_BREAK)
set -euo pipefail
: "${BOARD:?}" "${VERSION:?}" "${W:?}" "${X:?}" "${USERLAND:?}" "${COZY:?}" "${TOP:?}" "${UPDATE_PUB:?}" "${TRYBOOT_KO:?}"
MODE=${MODE:-image}
BOOT_MB=${BOOT_MB:-256}
ROOT_MB=${ROOT_MB:-1024}
DATA_MB=${DATA_MB:-64}
BD=$TOP/board/$BOARD
# shellcheck source=/dev/null
. "$BD/board.env" # FIRMWARE, DTBS, MODULES, INITRD_MODULES, WIFI_FIRMWARE
KVER=$(ls "$X/lib/modules")
step() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

R=$W/rootfs
step "rootfs: copy the userland"
rm -rf "$R" "$W/bootfs" "$W/initramfs"
cp -a "$USERLAND" "$R"

# Kernel modules: the drivers the boards and QEMU need and their dependency
# closure, resolved on the host against the arm64 tree. The whole tree is
# 290 MB; this set is a few MB. udev loads them from their modaliases.
copy_modules() { # DEST MODULE...
	local dest=$1
	shift
	for m in "$@"; do
		{ modprobe -d "$X" -S "$KVER" --show-depends "$m" 2>/dev/null || echo "  no module $m" >&2; } | awk '$1=="insmod"{print $2}'
	done | sort -u | while read -r f; do
		rel=${f#"$X"/}
		mkdir -p "$dest/$(dirname "$rel")"
		cp "$f" "$dest/$rel"
	done
	mkdir -p "$dest/lib/modules/$KVER"
	cp "$X/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$dest/lib/modules/$KVER/"
	depmod -b "$dest" -a "$KVER"
}
step "rootfs: kernel $KVER modules"
rm -rf "$R/lib/modules" "$R/usr/lib/modules"
# shellcheck disable=SC2086
copy_modules "$R" $MODULES
# The Pi firmware's one-try boot flag (board/common/tryboot/): on boards
# with that firmware, loaded by udev from its device-tree alias.
if [ -n "$FIRMWARE" ]; then
	install -D -m 0644 "$TRYBOOT_KO" "$R/lib/modules/$KVER/updates/cozy_tryboot.ko"
	depmod -b "$R" -a "$KVER"
fi
echo "  $(find "$R/usr/lib/modules/$KVER" "$R/lib/modules/$KVER" -name '*.ko*' 2>/dev/null | wc -l) modules, $(du -sh "$R/lib/modules/$KVER" | cut -f1)"

# Wi-Fi: cfg80211's regulatory database (Debian's signed build, which
# its kernel trusts) on every board, and on the Pi boards the radio
# firmware of their chips only (WIFI_FIRMWARE in board.env, links resolved):
# the whole firmware-brcm80211 package is 10 MB.
step "rootfs: Wi-Fi firmware"
mkdir -p "$R/usr/lib/firmware/brcm"
cp "$X/lib/firmware/regulatory.db-debian" "$R/usr/lib/firmware/regulatory.db"
cp "$X/lib/firmware/regulatory.db.p7s-debian" "$R/usr/lib/firmware/regulatory.db.p7s"
for f in ${WIFI_FIRMWARE:-}; do
	cp -L "$X/lib/firmware/brcm/$f" "$R/usr/lib/firmware/brcm/$f"
done
[ -n "${WIFI_FIRMWARE:-}" ] && cp "$X/usr/share/doc/firmware-brcm80211/copyright" "$R/usr/lib/firmware/brcm/LICENCE.firmware-brcm80211"
echo "  $(du -sh "$R/usr/lib/firmware" | cut -f1) of firmware: regulatory.db ${WIFI_FIRMWARE:-}"

step "rootfs: cozy $VERSION, overlay, users, units"
install -D -m 0755 "$COZY" "$R/usr/bin/cozy"
cp -a "$TOP/rootfs/." "$R/"
[ -d "$BD/rootfs" ] && cp -a "$BD/rootfs/." "$R/"
mkdir -p "$R/usr/share/doc/raspi-firmware"
cp "$X/usr/share/doc/raspi-firmware/copyright" "$R/usr/share/doc/raspi-firmware/copyright"
printf 'COZY_VERSION=%s\nCOZY_BOARD=%s\nCOZY_KERNEL=%s\nCOZY_CREATED=%s\n' "$VERSION" "$BOARD" "$KVER" "$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)" >"$R/usr/lib/cozy-release"
# The keys `cozy box update` trusts: a bundle must be signed by one of them.
install -D -m 0644 "$UPDATE_PUB" "$R/usr/lib/cozy/update-keys/$(basename "$UPDATE_PUB")"
if [ "${BUNDLE_TEST_BREAK:-}" = 1 ]; then
	echo "  TEST ONLY: cozy.service made to fail (BUNDLE_TEST_BREAK=1)"
	mkdir -p "$R/usr/lib/systemd/system/cozy.service.d"
	printf '# Test only (BUNDLE_TEST_BREAK=1): this system never becomes healthy.\n[Service]\nExecStartPre=/bin/false\n' \
		>"$R/usr/lib/systemd/system/cozy.service.d/test-break.conf"
fi
echo cozy >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
# The root is read-only: systemd puts a transient machine id in /run, and
# resolved owns resolv.conf in /run.
: >"$R/etc/machine-id"
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/data" "$R/boot/firmware"
systemd-sysusers --root="$R" >/dev/null
systemctl --root="$R" --quiet enable systemd-networkd.service systemd-resolved.service \
	systemd-timesyncd.service cozy-grow-data.service cozy-selftest.service cozy.service \
	cozy-update.path cozy-update-commit.service cozy-wifi.service
# wpa_supplicant runs per interface (wpa_supplicant@wlan0, started by
# cozy-wifi.service); its D-Bus daemon has no user on the box.
systemctl --root="$R" --quiet disable wpa_supplicant.service
# Board-specific units (the QEMU test agent).
for u in "$BD"/rootfs/usr/lib/systemd/system/*.service; do
	[ -f "$u" ] && systemctl --root="$R" --quiet enable "$(basename "$u")"
done
# Timers that write to the read-only root or fetch packages have no use on
# the box: it is updated as a whole image.
systemctl --root="$R" --quiet mask apt-daily.timer apt-daily-upgrade.timer \
	dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service
rm -rf "$R/var/cache/apt" "$R/var/lib/apt/lists" "$R/boot/"*.bak
mkdir -p "$R/var/cache/apt"

step "initramfs"
I=$W/initramfs
mkdir -p "$I"/{bin,sbin,proc,sys,dev,newroot}
cp "$X/bin/busybox" "$I/bin/busybox"
for a in sh mount umount cat find sort xargs modprobe insmod findfs sleep mkdir switch_root reboot echo; do
	ln -s busybox "$I/bin/$a"
done
# The kernel asks /sbin/modprobe for what it loads on demand (crc32c for ext4).
ln -s ../bin/busybox "$I/sbin/modprobe"
# shellcheck disable=SC2086
copy_modules "$I" $INITRD_MODULES
install -m 0755 "$TOP/board/common/initramfs/init" "$I/init"
(cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$W/initrd.img"
echo "  initrd.img $(du -h "$W/initrd.img" | cut -f1)"

# The boot files of a slot: the image's slot-a/, or a bundle's boot/.
slot_files() { # DIR SLOT (SLOT @SLOT@ leaves the placeholder for the box)
	mkdir -p "$1"
	cp "$X/boot/vmlinuz-$KVER" "$1/vmlinuz"
	cp "$W/initrd.img" "$1/initrd.img"
	sed "s/@SLOT@/$2/g" "$BD/cmdline.txt" | tr -d '\n' >"$1/cmdline.txt"
	[ -n "${BUNDLE_CMDLINE:-}" ] && printf ' %s' "$BUNDLE_CMDLINE" >>"$1/cmdline.txt"
	echo >>"$1/cmdline.txt"
	for d in $DTBS; do cp "$X/usr/lib/linux-image-$KVER/broadcom/$d" "$1/"; done
	echo "$VERSION" >"$1/version"
}
# A fixed timestamp and hash seed keep the ext4 images close to
# reproducible; the UUIDs are derived from the version.
export E2FSPROGS_FAKE_TIME=${SOURCE_DATE_EPOCH:-0}
uuid() { printf '%s' "$1" | sha256sum | sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-8\4-\5/'; }

if [ "$MODE" = bundle ]; then
	step "bundle parts: boot files and the root file system"
	rm -rf "$W/bundle"
	slot_files "$W/bundle/boot" @SLOT@
	echo "$KVER" >"$W/bundle/kernel"
	# Sized to the content, with room for the file system's own tables;
	# a slot is 1 GiB. The label is the box's to set.
	mb=$(($(du -sm "$R" | cut -f1) * 110 / 100 + 32))
	inodes=$(($(find "$R" | wc -l) + 2048))
	mke2fs -q -t ext4 -L cozy-root -U "$(uuid "root-$VERSION")" \
		-E root_owner=0:0,hash_seed="$(uuid seed)" -O ^has_journal -m 0 -N "$inodes" -d "$R" "$W/bundle/root.ext4" "${mb}M"
	echo "  root.ext4 ${mb} MiB for $(du -sh "$R" | cut -f1) of files; boot: $(ls "$W/bundle/boot" | tr '\n' ' ')"
	exit 0
fi

step "boot partition"
B=$W/bootfs
mkdir -p "$B"
for f in $FIRMWARE; do cp "$X/usr/lib/raspi-firmware/$f" "$B/"; done
[ -n "$FIRMWARE" ] && cp "$X/usr/share/doc/raspi-firmware/copyright" "$B/LICENCE.broadcom"
[ -f "$BD/config.txt" ] && cp "$BD/config.txt" "$B/config.txt"
slot_files "$B/slot-a" a
rm -f "$W/boot.vfat"
truncate -s "${BOOT_MB}M" "$W/boot.vfat"
mkfs.vfat -F 32 -n COZYBOOT "$W/boot.vfat" >/dev/null
mcopy -s -i "$W/boot.vfat" "$B"/* ::/

step "root and data file systems"
rm -f "$W/root.ext4" "$W/data.ext4"
mke2fs -q -t ext4 -L cozy-root-a -U "$(uuid "root-a-$VERSION")" -E root_owner=0:0,hash_seed="$(uuid seed)" \
	-O ^has_journal -m 0 -d "$R" "$W/root.ext4" "${ROOT_MB}M"
D=$W/datafs
rm -rf "$D"
mkdir -p "$D/cozy" "$D/timesync"
mke2fs -q -t ext4 -L cozy-data -U "$(uuid "data-$VERSION")" -E root_owner=0:0 -m 1 -d "$D" "$W/data.ext4" "${DATA_MB}M"
echo "  root used $(du -sh "$R" | cut -f1) of ${ROOT_MB} MiB"

step "disk image"
IMG=$W/cozy-$VERSION-$BOARD.img
S=2048
BS=$((BOOT_MB * 2048))
RS=$((ROOT_MB * 2048))
DS=$((DATA_MB * 2048))
rm -f "$IMG"
truncate -s $(((S + BS + 2 * RS + DS) * 512)) "$IMG"
sfdisk -q "$IMG" <<T
label: dos
label-id: 0x$(printf '%s' "$VERSION" | sha256sum | cut -c1-8)
unit: sectors
start=$S, size=$BS, type=c, bootable
start=$((S + BS)), size=$RS, type=83
start=$((S + BS + RS)), size=$RS, type=83
start=$((S + BS + 2 * RS)), size=$DS, type=83
T
# Every offset is a whole number of MiB.
dd if="$W/boot.vfat" of="$IMG" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$W/root.ext4" of="$IMG" bs=1M seek=$((1 + BOOT_MB)) conv=notrunc,sparse status=none
dd if="$W/data.ext4" of="$IMG" bs=1M seek=$((1 + BOOT_MB + 2 * ROOT_MB)) conv=notrunc,sparse status=none
rm -f "$W/boot.vfat" "$W/root.ext4" "$W/data.ext4"
echo "  $IMG: $(du -h --apparent-size "$IMG" | cut -f1) ($(du -h "$IMG" | cut -f1) allocated)"
