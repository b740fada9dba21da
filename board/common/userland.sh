#!/bin/sh
# Builds the Debian arm64 userland (systemd as PID 1, no kernel) as a
# directory with mmdebstrap. Only the userland is installed in the arm64
# chroot (maintainer scripts run under qemu-user); the kernel, modules and
# firmware are unpacked on the host, which avoids running mkinitramfs under
# emulation (22 minutes instead of about 2). Usage: userland.sh OUTDIR PKG...
set -eu
out=$1
shift
pkgs=$(echo "$@" | tr ' ' ',')
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
mmdebstrap --quiet --mode=root --format=directory --arch=arm64 --variant=minbase \
	--include="$pkgs" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='force-confold' \
	--aptopt='Acquire::Languages "none"' \
	--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/debconf/*-old "$1"/var/log/*.log' \
	bookworm "$out.tmp" \
	"deb $mirror bookworm main" \
	"deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main"
mv "$out.tmp" "$out"
