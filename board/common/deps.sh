#!/bin/sh
# Installs the host tools the image build and its QEMU test need, and turns
# on arm64 emulation for mmdebstrap's maintainer scripts. Idempotent: it
# installs only what is missing and touches apt only then. Runs as root.
set -eu
DEBS="mmdebstrap qemu-user-static binfmt-support arch-test qemu-system-arm \
 dosfstools mtools fdisk e2fsprogs kmod cpio busybox-static xz-utils curl \
 python3 openssl gcc-12-aarch64-linux-gnu make"
src=/etc/apt/sources.list.d/cozy-nonfree-firmware.sources
changed=
# raspi-firmware lives only in non-free-firmware, which the base sources lack.
if ! grep -rqs non-free-firmware /etc/apt/sources.list /etc/apt/sources.list.d/; then
	printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
		'Suites: bookworm bookworm-updates' 'Components: non-free-firmware' \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$src"
	changed=1
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	changed=1
fi
missing=
for p in $DEBS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$changed$missing" ]; then
	echo "image-deps: apt-get update"
	apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "image-deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# binfmt_misc is not mounted when PID 1 is not systemd (containers, CI VMs).
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
	update-binfmts --enable qemu-aarch64
fi
echo "image-deps: ok"
