#!/bin/bash
# The image's boot test: builds the qemu board's image from a fresh clone
# of HEAD (IMAGE_TEST_SRC=DIR builds DIR's tree instead, with its caches),
# boots a copy of it under qemu-system-aarch64 -M virt with the kernel,
# initramfs and cmdline.txt read out of its boot partition as the firmware
# would (config.txt's os_prefix, board/common/qemu.sh), and passes when
#   - GET /status answers {"status":"OK"} through a hostfwd port to the
#     guest's port 80 (cozy-http.socket, so socket activation too),
#   - the guest's self-test (cozy-selftest.service, enabled by cozy.selftest
#     on the command line) reports cozy.service active (Type=notify: after
#     READY=1) with its status line, cozy.local resolved by the guest's
#     resolver to its address, `cozy box status` on slot A, no failed
#     unit, the data partition grown to the end of the (enlarged) disk and
#     bound on /var/lib/cozy, and a read-only root,
#   - Wi-Fi as Raspberry Pi Imager sets it up: a network-config (cloud-init,
#     as Imager 2 writes it) on the boot partition names the test access
#     point that cozy.testap starts on a simulated radio
#     (board/qemu/rootfs/, mac80211_hwsim); the box's wlan0 must be up
#     with an address from that access point's DHCP server.
# Everything is bounded: the build by BUILD_TIMEOUT, the boot by
# BOOT_TIMEOUT; QEMU runs with panic=1 -no-reboot so that a crash ends it
# at once. On failure it prints the tail of the serial log.
set -euo pipefail
# The braces make bash read the whole script before running it: editing it
# during a run does not derail that run.
{
T=$(git rev-parse --show-toplevel)/build/image-test
step() { printf '[%s] image-test: %s\n' "$(date +%T)" "$*"; }
fail() {
	echo "image-test: FAIL: $*" >&2
	echo "---- serial log (last 80 lines) ----" >&2
	tail -n 80 "$log" >&2 || true
	exit 1
}
log=/dev/null
# shellcheck source=board/common/qemu.sh
. "$(dirname "$0")/qemu.sh"
mkdir -p "$T"
trap qemu_stop EXIT

qemu_build
qemu_disk
# What Raspberry Pi Imager writes when the household types the test access
# point's name, password (hashed to the PSK) and country.
mcopy -i "$disk@@1M" - ::network-config <<'NC'
network:
  version: 2
  wifis:
    wlan0:
      dhcp4: true
      regulatory-domain: "FR"
      access-points:
        "CozyTestAP":
          password: "d141e3f1320b2ff9b196418e5da15780d195c2fcf29b1e569d2125303ab45213"
      optional: true
NC
# The firmware's choice (board/common/qemu.sh): config.txt, slot-a/.
fw_boot cozy.selftest cozy.testap
[ "$prefix" = slot-a/ ] || fail "the firmware booted $prefix, not slot-a/"

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
# PID 1 arms the hardware watchdog (QEMU's i6300esb here, bcm2835_wdt on
# a Pi): a hung system resets itself.
field watchdog | grep -q '^active timeout=15$' || fail "the hardware watchdog is not armed: $(field watchdog)"
field wifi | grep -Eq '^up addr=192\.168\.77\.[0-9]+/24$' || fail "Wi-Fi did not join the test access point: $(field wifi)"
field root | grep -Eq 'cozy-root-a|vda2' || fail "root is not slot A: $(field root)"
field root | grep -q '^[^ ]* ro' || fail "root is not read-only: $(field root)"
field box | grep -Eq 'Slot a: cozy-root-a \(/dev/vda2, 1\.0 GiB[^;]*; running' || fail "cozy box status: $(field box)"
field data | grep -q '/dev/vda4' || fail "data partition not mounted: $(field data)"
field data | grep -q 'state=/dev/vda4' || fail "/var/lib/cozy is not on the data partition: $(field data)"
# The image's data partition is 64 MiB; the disk has 1 GiB more.
size=$(field data | awk '{print $2}')
[ "${size:-0}" -gt $((900 << 20)) ] || fail "data partition not grown: $size bytes"
awk -v a="$status_at" -v b="$selftest_at" -v t="$boot0" -v s="$status" \
	'BEGIN { printf "image-test: PASS: /status after %.1f s, self-test after %.1f s (%s)\n", a - t, b - t, s }'
exit 0
}
