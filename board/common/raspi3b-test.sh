#!/bin/bash
# The rpi3 image's boot test on an emulated Raspberry Pi 3 B
# (qemu-system-aarch64 -M raspi3b): the board's device tree
# (bcm2837-rpi-3-b.dtb), the SD host and the card, the dwc2 USB
# controller, a USB network adapter (usb-net: cdc_ether, usb0) and the
# mini-UART console (ttyS1) of the real board, with the image's own
# kernel, initramfs and cmdline.txt. It builds the rpi3 image from a fresh
# clone of HEAD, or reuses image-test's clone when it is at HEAD
# (IMAGE_TEST_SRC=DIR builds DIR's working tree instead, with its caches),
# plays the firmware the way board/common/qemu.sh does for the qemu board
# (config.txt's os_prefix, then <prefix>vmlinuz, initrd.img, cmdline.txt
# and the device tree), and boots a copy of the image padded to the next
# power of two (QEMU's SD card wants that size; the box grows its data
# partition to the end of the card). It passes when
#   - GET /status answers {"status":"OK"} through a hostfwd port to the
#     guest's port 80,
#   - the guest's self-test (cozy.selftest) reports cozy.service active,
#     no failed unit, the root (slot A) read-only and /var/lib/cozy on the
#     data partition, and the data partition is grown to the card's end;
#   - then the guest reboots as `cozy box update` arms a trial, with
#     `systemctl reboot "0 tryboot"` (started by a script the test puts on
#     the boot partition and names with systemd.run=; it waits for the
#     host to listen on a port, i.e. for the checks above to pass): the
#     image's cozy_tryboot.ko must log that it set the firmware's tryboot
#     flag, and QEMU's model of the VideoCore mailbox must have received
#     the property tag SET_REBOOT_FLAGS (0x00038064; QEMU does not model
#     that tag and logs it with -d unimp).
# It prints the build time and the boot-to-/status time. Everything is
# bounded (BUILD_TIMEOUT, RASPI_BOOT_TIMEOUT); QEMU runs with panic=1
# -no-reboot and is ended by its PID; on failure the serial log's tail is
# printed.
#
# Limits: QEMU runs none of the VideoCore firmware (bootcode.bin,
# start.elf), so config.txt's other settings, the firmware's device tree
# fix-ups and its command-line additions are not exercised; the emulated
# board has no on-board Ethernet (the Pi 3 B's smsc95xx) and QEMU 7.2 has
# no Pi 4 (raspi4b came with QEMU 9.0). TCG emulates the four cores on the
# host's, so the boot takes minutes.
set -euo pipefail
# The braces make bash read the whole script before running it: editing it
# during a run does not derail that run.
{
T=$(git rev-parse --show-toplevel)/build/raspi3b-test
RASPI_BOOT_TIMEOUT=${RASPI_BOOT_TIMEOUT:-600}
DTB=bcm2837-rpi-3-b.dtb
step() { printf '[%s] raspi3b-test: %s\n' "$(date +%T)" "$*"; }
log=/dev/null
fail() {
	echo "raspi3b-test: FAIL: $*" >&2
	echo "---- serial log (last 80 lines) ----" >&2
	tail -n 80 "$log" >&2 || true
	exit 1
}
# shellcheck source=board/common/qemu.sh
. "$(dirname "$0")/qemu.sh"
mkdir -p "$T"
trap qemu_stop EXIT

t_build=$(date +%s)
IMAGE_BOARD=rpi3 qemu_build reuse
t_build=$(($(date +%s) - t_build))

# The card: a copy of the image padded to the next power of two.
disk=$T/disk.img
rm -f "$disk"
cp --sparse=always "$IMG" "$disk"
size=$(stat -c %s "$IMG")
card=1
while [ "$card" -lt "$size" ]; do card=$((card * 2)); done
truncate -s "$card" "$disk"
data0=$(sfdisk -l -o Device,Sectors "$IMG" | awk 'END { printf "%.0f\n", $2 * 512 }')

# The firmware (qemu.sh): config.txt's slot, its kernel, initramfs,
# command line and the board's device tree.
fw_prefix
[ "$prefix" = slot-a/ ] || fail "the firmware booted $prefix, not slot-a/"
for f in vmlinuz initrd.img cmdline.txt "$DTB"; do
	mcopy -n -o -i "$disk@@1M" "::$prefix$f" "$T/$f" || fail "firmware: no $prefix$f on the boot partition"
done
# QEMU's BCM2835 power manager resets the board as soon as the watchdog
# is started (it has no countdown), and PID 1 starts it (RuntimeWatchdogSec):
# systemd.watchdog_sec=off keeps it stopped, the driver (bcm2835_wdt, also
# the reboot handler) is still checked below.
# The guest's part of the tryboot check: once the host listens on $tryport
# (10.0.2.2 is the host in QEMU's user network), reboot the way an update
# does. systemd.run= makes its own target the default one:
# systemd.wants= pulls in the box's usual multi-user.target beside it.
tryport=$(free_port)
printf '%s\n' '#!/bin/bash' "until (exec 3<>/dev/tcp/10.0.2.2/$tryport) 2>/dev/null; do sleep 1; done" \
	'echo "raspi3b-test: the host is done; rebooting with 0 tryboot" >/dev/console' \
	'exec systemctl reboot "0 tryboot"' >"$T/trycheck.sh"
mcopy -o -i "$disk@@1M" "$T/trycheck.sh" ::trycheck.sh
append="$(tr -d '\r\n' <"$T/cmdline.txt") cozy.selftest systemd.watchdog_sec=off panic=1 systemd.run=\"/bin/bash /boot/firmware/trycheck.sh\" systemd.wants=multi-user.target"
console=$(grep -o 'console=[^ ]*' "$T/cmdline.txt" | tail -n 1)
log=$T/serial.log
# The last console= is /dev/console, where the self-test writes. QEMU's
# first serial port is the PL011 (ttyAMA0, Bluetooth's on a Pi 3), the
# second the mini-UART (ttyS1, the GPIO header's with enable_uart=1).
case $console in
console=ttyS1*) serial=(-serial null -serial "file:$log") ;;
console=ttyAMA0*) serial=(-serial "file:$log") ;;
*) fail "cmdline.txt's console is $console, neither ttyS1 nor ttyAMA0" ;;
esac

# The network adapter is plugged in once the guest's dwc2 driver has
# registered its root hub: plugged in from the start, its one connect
# interrupt can come before the driver's start clears its port state, and
# the driver then refuses every transfer ("dwc2 ...: Not connected", no
# usb0). It goes on the root port itself (port=1): without a port QEMU
# puts a hub in between, one more device to enumerate.
qmp() {
	python3 - "$T/qmp.sock" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd):
    f.write(json.dumps(cmd) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
f.readline()  # the greeting
call({"execute": "qmp_capabilities"})
r = call(json.loads(sys.argv[2]))
if "error" in r:
    sys.exit(r["error"]["desc"])
PY
}
for try in 1 2 3; do
	rm -f "$log" "$T/qmp.sock"
	port=$(free_port)
	step "boot: firmware reads config.txt: $prefix ($(grep -o 'root=[^ ]*' "$T/cmdline.txt"), $console, $DTB), card $((card >> 20)) MiB; guest port 80 on 127.0.0.1:$port"
	boot0=$(now)
	timeout "$((RASPI_BOOT_TIMEOUT * 2))" qemu-system-aarch64 -M raspi3b -m 1G \
		-display none -no-reboot -monitor none "${serial[@]}" -d unimp -D "$T/qemu-unimp.log" \
		-qmp "unix:$T/qmp.sock,server=on,wait=off" \
		-kernel "$T/vmlinuz" -initrd "$T/initrd.img" -dtb "$T/$DTB" -append "$append" \
		-drive "file=$disk,format=raw,if=sd" \
		-netdev "user,id=net,hostfwd=tcp:127.0.0.1:$port-:80" \
		</dev/null >"$T/qemu.out" 2>&1 &
	qpid=$!
	# QEMU binds the forwarded port or exits at once: should another
	# process take the port first, the next try picks another.
	for _ in $(seq 50); do
		if ! kill -0 "$qpid" 2>/dev/null || [ -s "$log" ]; then break; fi
		sleep 0.2
	done
	if kill -0 "$qpid" 2>/dev/null; then break; fi
	wait "$qpid" || true
	qpid=
	grep -q 'host forwarding' "$T/qemu.out" || { cat "$T/qemu.out" >&2; fail "qemu did not start"; }
done
[ -n "$qpid" ] || fail "no free port for the host forwarding"

deadline=$(awk -v a="$boot0" -v t="$RASPI_BOOT_TIMEOUT" 'BEGIN { printf "%d", a + t }')
until grep -aq 'hub 1-0:1.0: .* port.* detected' "$log"; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "the dwc2 USB root hub did not come within $RASPI_BOOT_TIMEOUT s"
	kill -0 "$qpid" 2>/dev/null || fail "qemu exited (kernel panic or reboot)"
	sleep 0.5
done
qmp '{"execute": "device_add", "arguments": {"driver": "usb-net", "netdev": "net", "port": "1", "id": "nic"}}' ||
	fail "could not plug the USB network adapter in"
step "USB network adapter plugged in after $(since "$boot0") s"

wait_status "$((deadline - $(date +%s)))"
echo "$status" | grep -q '"status":"OK"' || fail "/status answered $status"
step "/status after $(awk -v a="$boot0" -v b="$status_at" 'BEGIN { printf "%.1f", b - a }') s: $status"

# The self-test's report, within what is left of the deadline.
until grep -aq 'SELFTEST done' "$log"; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "no self-test report within $RASPI_BOOT_TIMEOUT s"
	kill -0 "$qpid" 2>/dev/null || fail "qemu exited (kernel panic or reboot)"
	sleep 1
done
selftest_at=$(now)
report=$(grep -a 'SELFTEST ' "$log" | tr -d '\r' | sed 's/.*SELFTEST /SELFTEST /')
echo "$report" | sed 's/^/  /'
field() { echo "$report" | sed -n "s/^SELFTEST $1=//p" | sed 's/ *$//'; }
grep -a 'cozy-grow-data' "$log" | tr -d '\r' | sed 's/^/  /' || true

[ "$(field cozy.service)" = active ] || fail "cozy.service is $(field cozy.service)"
[ -z "$(field failed)" ] || fail "failed units: $(field failed)"
field watchdog | grep -Eq '^inactive timeout=[0-9]+$' || fail "no watchdog device, or it runs: $(field watchdog)"
field root | grep -Eq '^/dev/mmcblk0p2 ro' || fail "root is not slot A, read-only: $(field root)"
field data | grep -q 'state=/dev/mmcblk0p4' || fail "/var/lib/cozy is not on the data partition: $(field data)"
# Grown to the end of the card: the partition table the guest rewrote
# (read on the host: sfdisk syncs it) ends within the 1 MiB alignment of
# the card's end, and the mounted file system fills the partition but for
# its own metadata (inode tables, journal: under a tenth).
part=$(sfdisk -l -o Device,Start,Sectors "$disk" | awk 'END { printf "%.0f %.0f\n", $2 * 512, $3 * 512 }')
pend=$((${part% *} + ${part#* }))
[ "$pend" -gt $((card - (1 << 20))) ] ||
	fail "data partition not grown to the card's end: it ends at $pend of $card bytes"
grown=$(field data | awk '{print $2}')
[ "${grown:-0}" -gt $((${part#* } / 10 * 9)) ] ||
	fail "data file system not grown with its partition: $grown of ${part#* } bytes"

# The tryboot flag: the host listens, the guest reboots with "0 tryboot";
# the watchdog driver's restart resets the board, which ends QEMU.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); s.settimeout(300)
c, _ = s.accept(); c.close(); time.sleep(30)' "$tryport" &
lpid=$!
t_try=$(now)
tdeadline=$(($(date +%s) + 300))
while kill -0 "$qpid" 2>/dev/null; do
	[ "$(date +%s)" -lt "$tdeadline" ] || { kill "$lpid" 2>/dev/null || true; fail "the guest did not reboot within 300 s of the host's signal"; }
	sleep 0.5
done
wait "$qpid" 2>/dev/null || true
qpid=
kill "$lpid" 2>/dev/null || true
wait "$lpid" 2>/dev/null || true
grep -aq 'cozy_tryboot: tryboot flag set' "$log" || fail "cozy_tryboot did not set the tryboot flag on the reboot"
grep -q 'bcm2835_property: unhandled tag 0x00038064' "$T/qemu-unimp.log" ||
	fail "QEMU's mailbox never received SET_REBOOT_FLAGS (0x00038064)"
grep -a 'Rebooting with argument\|cozy_tryboot\|reboot: Restarting' "$log" | tr -d '\r' | sed 's/^/  /'
step "tryboot: flag sent to the firmware's mailbox; rebooted $(since "$t_try") s after the host's signal"

awk -v bt="$t_build" -v a="$status_at" -v b="$selftest_at" -v t="$boot0" -v d0="$data0" -v d="$grown" \
	'BEGIN { printf "raspi3b-test: PASS: build %d s, /status after %.1f s, self-test after %.1f s, data partition %d MiB -> %d MiB (file system)\n", bt, a - t, b - t, d0 / 1048576, d / 1048576 }'
exit 0
}
