#!/bin/bash
# The image's boot test: builds the qemu board's image from a fresh clone
# of HEAD (IMAGE_TEST_SRC=DIR builds DIR's tree instead, with its caches),
# boots a copy of it under qemu-system-aarch64 -M virt with the kernel,
# initramfs and cmdline.txt read out of its boot partition, and passes when
#   - GET /status answers {"status":"OK"} through a hostfwd port to the
#     guest's port 80 (cozy-http.socket, so socket activation too),
#   - the guest's self-test (cozy-selftest.service, enabled by cozy.selftest
#     on the command line) reports cozy.service active (Type=notify: after
#     READY=1) with its status line, cozy.local resolved by the guest's
#     resolver to its address, `cozy box status` on slot A, no failed
#     unit, the data partition grown to the end of the (enlarged) disk and
#     bound on /var/lib/cozy, and a read-only root.
# Everything is bounded: the build by BUILD_TIMEOUT, the boot by
# BOOT_TIMEOUT; QEMU runs with panic=1 -no-reboot so that a crash ends it
# at once. On failure it prints the tail of the serial log.
set -euo pipefail
# The braces make bash read the whole script before running it: editing it
# during a run does not derail that run.
{
TOP=$(git rev-parse --show-toplevel)
T=$TOP/build/image-test
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1500}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}
step() { printf '[%s] image-test: %s\n' "$(date +%T)" "$*"; }
mkdir -p "$T"

if [ -n "${IMAGE_TEST_SRC:-}" ]; then
	SRC=$(cd "$IMAGE_TEST_SRC" && pwd)
	step "building the qemu image from $SRC"
else
	SRC=$T/src
	rev=$(git -C "$TOP" rev-parse HEAD)
	step "building the qemu image from a fresh clone of $rev"
	rm -rf "$SRC"
	git clone -q --no-checkout "$TOP" "$SRC"
	git -C "$SRC" checkout -q --detach "$rev"
	# The apps' shared assets are fetched from npm by the build; the copy
	# carries their stamp, so fetch.sh checks it and keeps them.
	if [ -d "$TOP/web/apps/assets/dist" ]; then
		cp -a "$TOP/web/apps/assets/dist" "$SRC/web/apps/assets/"
	fi
fi
t0=$(date +%s)
timeout "$BUILD_TIMEOUT" make --no-print-directory -C "$SRC" -f image.mk img BOARD=qemu
img=$(ls "$SRC"/build/qemu/cozy-*-qemu.img)
step "built $(basename "$img") in $(($(date +%s) - t0)) s"

# A copy, one GiB larger than the image: the guest writes to it and grows
# its data partition to the end.
disk=$T/disk.img
rm -f "$disk"
cp --sparse=always "$img" "$disk"
truncate -s +1G "$disk"
for f in vmlinuz initrd.img cmdline.txt; do
	mcopy -n -o -i "$disk@@1M" "::slot-a/$f" "$T/$f"
done
append="$(cat "$T/cmdline.txt") cozy.selftest panic=1"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log=$T/serial.log
# A previous run's log must not be read as this one's (QEMU truncates it
# only once it has started).
rm -f "$log"
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
fail() {
	echo "image-test: FAIL: $*" >&2
	echo "---- serial log (last 80 lines) ----" >&2
	tail -n 80 "$log" >&2 || true
	exit 1
}

# The port is free when chosen; should another process take it before
# QEMU binds it, QEMU exits at once and the next try picks another.
for try in 1 2 3; do
	port=$(free_port)
	step "booting under qemu-system-aarch64 -M virt, guest port 80 on 127.0.0.1:$port"
	boot0=$(date +%s.%N)
	timeout "$((BOOT_TIMEOUT + 30))" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
		-display none -no-reboot -monitor none -serial "file:$log" \
		-kernel "$T/vmlinuz" -initrd "$T/initrd.img" -append "$append" \
		-drive "file=$disk,format=raw,if=none,id=disk" -device virtio-blk-pci,drive=disk \
		-netdev "user,id=net,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-pci,netdev=net,romfile= \
		-device virtio-rng-pci </dev/null >"$T/qemu.out" 2>&1 &
	qpid=$!
	# Give QEMU the moment it needs to bind the forwarded port or fail.
	for _ in $(seq 50); do
		if ! kill -0 "$qpid" 2>/dev/null || [ -s "$log" ]; then break; fi
		sleep 0.2
	done
	if kill -0 "$qpid" 2>/dev/null; then break; fi
	wait "$qpid" || true
	qpid=
	rm -f "$log"
	grep -q 'host forwarding' "$T/qemu.out" || { cat "$T/qemu.out" >&2; fail "qemu did not start"; }
done
[ -n "$qpid" ] || fail "no free port for the host forwarding"

# Polls, with a deadline, for the two signs of a healthy box: /status
# through the forwarded port and the guest's self-test report.
status_at= selftest_at= status=
deadline=$(($(date +%s) + BOOT_TIMEOUT))
while [ "$(date +%s)" -lt "$deadline" ]; do
	kill -0 "$qpid" 2>/dev/null || fail "qemu exited (kernel panic or reboot)"
	if [ -z "$status_at" ] && status=$(curl -fsS -m 3 "http://127.0.0.1:$port/status" 2>/dev/null); then
		status_at=$(date +%s.%N)
	fi
	if [ -z "$selftest_at" ] && grep -aq 'SELFTEST done' "$log" 2>/dev/null; then
		selftest_at=$(date +%s.%N)
	fi
	if [ -n "$status_at" ] && [ -n "$selftest_at" ]; then break; fi
	sleep 1
done
[ -n "$status_at" ] || fail "GET /status did not answer within $BOOT_TIMEOUT s"
[ -n "$selftest_at" ] || fail "no self-test report within $BOOT_TIMEOUT s"
# The report's lines reach the console through the kernel log: drop the
# prefix (and a login prompt printed in the middle of a line).
report=$(grep -a 'SELFTEST ' "$log" | tr -d '\r' | sed 's/.*SELFTEST /SELFTEST /')
echo "$report" | sed 's/^/  /'
field() { echo "$report" | sed -n "s/^SELFTEST $1=//p" | sed 's/ *$//'; }

echo "$status" | grep -q '"status":"OK"' || fail "/status answered $status"
[ "$(field cozy.service)" = active ] || fail "cozy.service is $(field cozy.service)"
# After READY=1 ("serving on ..."), the box's own line replaces it:
# "claiming its name on the LAN; https: none", then "reachable as
# cozy.local; https: ..." once its mDNS name is claimed (the self-test may
# run before: the name's resolution is checked below).
field cozy.status | grep -qE '^(serving on|reachable as cozy|claiming its name)' || fail "cozy.service has no status line: $(field cozy.status)"
echo " $(field cozy.local) " | grep -q ' 10\.0\.2\.15 ' || fail "cozy.local does not resolve to the guest's address in the guest"
[ -z "$(field failed)" ] || fail "failed units: $(field failed)"
field root | grep -Eq 'cozy-root-a|vda2' || fail "root is not slot A: $(field root)"
field root | grep -q '^[^ ]* ro' || fail "root is not read-only: $(field root)"
field box | grep -q 'Slot a: cozy-root-a (/dev/vda2, 1.0 GiB; running' || fail "cozy box status: $(field box)"
field data | grep -q '/dev/vda4' || fail "data partition not mounted: $(field data)"
field data | grep -q 'state=/dev/vda4' || fail "/var/lib/cozy is not on the data partition: $(field data)"
# The image's data partition is 64 MiB; the disk has 1 GiB more.
size=$(field data | awk '{print $2}')
[ "${size:-0}" -gt $((900 << 20)) ] || fail "data partition not grown: $size bytes"
awk -v a="$status_at" -v b="$selftest_at" -v t="$boot0" -v s="$status" \
	'BEGIN { printf "image-test: PASS: /status after %.1f s, self-test after %.1f s (%s)\n", a - t, b - t, s }'
exit 0
}
