#!/bin/bash
# The update test: signed A/B updates of the qemu image under QEMU, with
# the Raspberry Pi firmware's one-try boot played by board/common/qemu.sh.
#   1. Image v1 boots from slot A; the household's data is written: an
#      instance (the admin API, as `cozy instances add`), a document and a
#      file (through the forwarded HTTP port, with a `token-cli` token).
#   2. Bundle v2 (the same tree at another VERSION) is applied from a URL
#      served by the host (http://10.0.2.2:PORT, QEMU's user network) with
#      `cozy box update URL` as root; the box reboots, the firmware tries
#      slot B once (TRYBOOT), v2 comes up and commits (config.txt now
#      names slot-b/), the data is intact.
#   3. A bundle signed with another key is refused: non-zero exit, and
#      the spare slot and the boot partition are byte for byte the same.
#   4. Bundle v3 never gets healthy (BUNDLE_TEST_BREAK=1: cozy.service
#      fails) and has a short commit deadline (cozy.commit_deadline on its
#      slot's command line). It is applied the unprivileged way: `cozy box
#      update URL` as the server's user goes through the admin API (POST
#      /box/update), the server stages it, cozy-update.path applies it as
#      root. It is tried once, reboots itself at the deadline, and the box
#      is back on v2, committed, data intact.
#   5. The whole system frozen (PID 1 included): the hardware watchdog
#      resets it.
# It prints the figures: bundle build time and size, apply time,
# boot-to-ready, total. The commands run in the guest through the test
# agent (a root shell on a virtio-serial port, only in the qemu image and
# only with cozy.testagent on the command line). On failure it prints the
# serial log's tail. Bounded: every wait has a deadline.
#
# It reuses image-test's clone and image when they are of HEAD (make test
# runs it right after), else builds them; IMAGE_TEST_SRC=. tests the
# working tree with its caches.
set -euo pipefail
# The braces make bash read the whole script before running it.
{
T=$(git rev-parse --show-toplevel)/build/update-test
t_start=$(date +%s.%N)
step() { printf '[%s] update-test: %s\n' "$(date +%T)" "$*"; }
log=/dev/null
fail() {
	echo "update-test: FAIL: $*" >&2
	echo "---- serial log of boot $boots, $log (last 100 lines) ----" >&2
	tail -n 100 "$log" >&2 || true
	exit 1
}
# shellcheck source=board/common/qemu.sh
. "$(dirname "$0")/qemu.sh"
rm -rf "$T"
mkdir -p "$T/www"
httpd=
cleanup() {
	qemu_stop
	if [ -n "$httpd" ]; then
		kill "$httpd" 2>/dev/null || true
		wait "$httpd" 2>/dev/null || true
	fi
}
trap cleanup EXIT
AGENT=1
DEADLINE_V3=${DEADLINE_V3:-30}

qemu_build reuse
v1=$(basename "$IMG" | sed 's/^cozy-\(.*\)-qemu\.img$/\1/')
v2=$v1-u2
v3=$v1-u3

# The bundles, built before any boot so that the figures do not mix.
# make_bundle NAME VERSION [VAR=value...]: builds it into $T/www/NAME.
make_bundle() {
	local name=$1 version=$2 t0
	shift 2
	t0=$(now)
	timeout "$BUILD_TIMEOUT" make --no-print-directory -C "$SRC" -f image.mk bundle BOARD=qemu VERSION="$version" \
		BUNDLE="$T/www/$name" "$@" >"$T/bundle-$name.log" 2>&1 || { cat "$T/bundle-$name.log"; fail "building bundle $name failed"; }
	sed 's/^/  /' "$T/bundle-$name.log"
	[ -s "$T/www/$name" ] || fail "no bundle $name"
	step "bundle $name ($version): $(du -h "$T/www/$name" | cut -f1) in $(since "$t0") s"
	figures+=("bundle $name: $(du -h "$T/www/$name" | cut -f1), built in $(since "$t0") s")
}
figures=()
make_bundle v2.bundle "$v2"
# v2's parts (image.mk's bundle work directory) signed with a key the
# image does not trust.
t0=$(now)
hostcozy=$SRC/build/host/cozy
parts=$SRC/build/qemu-bundle/bundle
"$hostcozy" box keygen -o "$T/other" >/dev/null
"$hostcozy" box bundle -key "$T/other.key" -board qemu -version "$v2" -kernel "$(cat "$parts/kernel")" \
	-boot "$parts/boot" -root "$parts/root.ext4" -o "$T/www/badsig.bundle" >"$T/bundle-badsig.log" 2>&1 ||
	{ cat "$T/bundle-badsig.log"; fail "building the badly signed bundle failed"; }
step "bundle badsig.bundle ($v2, another key): $(du -h "$T/www/badsig.bundle" | cut -f1) in $(since "$t0") s"
make_bundle v3.bundle "$v3" BUNDLE_TEST_BREAK=1 BUNDLE_CMDLINE="cozy.commit_deadline=$DEADLINE_V3"

# The host serves the bundles to the guest: 127.0.0.1 here is 10.0.2.2
# there (QEMU's user network).
# Should another process take the free port first, the server exits and
# the next try picks another.
for try in 1 2 3; do
	hport=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$hport" >"$T/httpd.log" 2>&1 &
	httpd=$!
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "http://127.0.0.1:$hport/" 2>/dev/null && break 2
		kill -0 "$httpd" 2>/dev/null || break
		sleep 0.2
	done
	kill "$httpd" 2>/dev/null || true
	wait "$httpd" 2>/dev/null || true
	httpd=
done
[ -n "$httpd" ] || { cat "$T/httpd.log"; fail "the host's HTTP server for the bundles did not start"; }
url=http://10.0.2.2:$hport

qemu_disk
domain=alice.test
h=(-H "Host: $domain")

# boot_ready SLOT: boots, waits for /status and the agent; checks the slot.
boot_ready() {
	fw_boot cozy.testagent
	wait_status "$BOOT_TIMEOUT"
	wait_agent 60
	local ready
	ready=$(since "$boot0")
	figures+=("boot $boots ($prefix): /status after $(awk -v a="$status_at" -v b="$boot0" 'BEGIN { printf "%.1f", a - b }') s, agent after $ready s")
	[ "$prefix" = "slot-$1/" ] || fail "the firmware booted $prefix, not slot-$1/"
	agent 10 "grep -q 'root=LABEL=cozy-root-$1 ' /proc/cmdline" || fail "not running slot $1: $(agent 10 'cat /proc/cmdline')"
}

# version: the running version, from the server.
version() { curl -fsS -m 5 "http://127.0.0.1:$port/version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'; }

# check_data: the document and the file written on v1 are there.
check_data() {
	local got
	got=$(curl -fsS -m 10 "${h[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/data/com.example.updatetest/$docid") ||
		fail "GET the document $docid failed"
	echo "$got" | grep -q '"note":"written on v1"' || fail "the document changed: $got"
	got=$(curl -fsS -m 10 "${h[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/files/download?Path=/hello.txt") ||
		fail "GET the file failed"
	[ "$got" = "hello from v1" ] || fail "the file changed: $got"
	agent 10 'test -s /var/lib/cozy/marker && cat /var/lib/cozy/marker' | grep -q "^$v1\$" || fail "/var/lib/cozy/marker lost"
}

# apply NAME [admin]: `cozy box update URL` in the guest, which reboots it;
# as root, or with "admin" as the server's user: through the admin API,
# the unprivileged server stages it and the root unit cozy-update.path
# applies it. Sets apply_out; returns the command's status (125: the
# guest rebooted before it ended).
apply() {
	local rc=0 t0 as=
	[ "${2:-}" = admin ] && as="setpriv --reuid=cozy --regid=cozy --clear-groups env HOME=/var/lib/cozy COZY_ADMIN_PASSPHRASE=$pass"
	t0=$(now)
	apply_out=$(agent 900 "cd /; $as cozy box update $url/$1" 2>&1) || rc=$?
	echo "$apply_out" | sed 's/^/  guest: /'
	apply_time=$(since "$t0")
	return $rc
}

# --- 1. v1 and the household's data
step "v1 ($v1): boot"
boot_ready a
[ "$(version)" = "$v1" ] || fail "running $(version), not $v1"
step "v1 up: writing an instance, a document, a file"
pass=update-test-admin
agent 120 "set -e
COZY_ADMIN_PASSPHRASE=$pass cozy config passwd /var/lib/cozy/cozy-admin-passphrase >/dev/null
chown cozy:cozy /var/lib/cozy/cozy-admin-passphrase
systemctl restart cozy.service
COZY_ADMIN_PASSPHRASE=$pass cozy instances add --passphrase 'correct horse battery' $domain
echo $v1 >/var/lib/cozy/marker
sync" || fail "creating the instance failed"
token=$(agent 60 "COZY_ADMIN_PASSPHRASE=$pass cozy instances token-cli $domain io.cozy.files com.example.updatetest") || fail "token-cli failed"
doc=$(curl -fsS -m 10 "${h[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"note":"written on v1"}' "http://127.0.0.1:$port/data/com.example.updatetest/") || fail "POST a document failed"
docid=$(echo "$doc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -m 10 "${h[@]}" -H "Authorization: Bearer $token" -H 'Content-Type: text/plain' \
	--data-binary 'hello from v1' "http://127.0.0.1:$port/files/?Type=file&Name=hello.txt" >/dev/null || fail "POST a file failed"
check_data
agent 10 sync >/dev/null

# --- 2. v2: applied from a URL, tried once, committed
step "applying v2 from $url/v2.bundle"
rc=0
apply v2.bundle || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 125 ] || fail "cozy box update v2 exited $rc"
qemu_wait_exit 120
figures+=("apply v2 (download, verify, write slot b, until the reboot): $apply_time s")
step "v2 applied in $apply_time s; the guest rebooted"
mdir -b -i "$disk@@1M" ::TRYBOOT >/dev/null 2>&1 || fail "no TRYBOOT on the boot partition: the update did not ask for a one-try boot"
boot_ready b
[ "$(version)" = "$v2" ] || fail "running $(version), not $v2"
check_data
# The commit follows /status; wait for config.txt to name slot B.
deadline=$(($(date +%s) + 120))
until agent 10 "grep -qx 'os_prefix=slot-b/' /boot/firmware/config.txt && ! test -e /boot/firmware/tryboot.txt"; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "v2 did not commit within 120 s: $(agent 10 'cozy box status; cat /boot/firmware/config.txt')"
	sleep 2
done
step "v2 committed"
agent 10 'cozy box status' | sed 's/^/  guest: /'

# --- 3. a bundle signed with another key: refused, nothing written
# The spare slot (A: partition 2) and the boot partition's files, hashed
# on the host, before and after (the guest syncs first).
slot_sum() { dd if="$disk" bs=1M skip=$((1 + 256)) count=1024 status=none | sha256sum | cut -c1-16; }
boot_sum() {
	rm -rf "$T/bootfs" && mkdir "$T/bootfs"
	mcopy -s -n -i "$disk@@1M" ::* "$T/bootfs/" 2>/dev/null
	(cd "$T/bootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}
agent 30 sync >/dev/null
before="$(slot_sum) $(boot_sum)"
step "applying a bundle signed with another key"
rc=0
apply badsig.bundle || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 125 ] && [ "$rc" != 124 ] || fail "cozy box update of a badly signed bundle exited $rc"
echo "$apply_out" | grep -qi 'signature' || fail "the refusal does not name the signature: $apply_out"
agent 30 sync >/dev/null
after="$(slot_sum) $(boot_sum)"
[ "$before" = "$after" ] || fail "the refused bundle changed the disk: slot A and boot partition $before -> $after"
step "refused with nothing written (slot A and boot partition $after)"

# --- 4. v3: never healthy, rolled back by itself
step "applying v3 through the admin API, as the server's user (cozy.service fails on v3; commit deadline $DEADLINE_V3 s)"
rc=0
apply v3.bundle admin || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 125 ] || fail "cozy box update v3 exited $rc"
qemu_wait_exit 120
figures+=("apply v3: $apply_time s")
fw_boot cozy.testagent
[ "$prefix" = slot-a/ ] || fail "the firmware did not try slot A for v3: $prefix"
t3=$(now)
step "v3 on trial; waiting for it to give up and reboot"
qemu_wait_exit $((BOOT_TIMEOUT + DEADLINE_V3))
figures+=("v3 trial: rebooted itself after $(since "$t3") s")
grep -aq "cozy-root-a" "$log" || fail "boot $boots did not run slot A"
boot_ready b
[ "$(version)" = "$v2" ] || fail "running $(version) after the rollback, not $v2"
check_data
agent 10 "grep -qx 'os_prefix=slot-b/' /boot/firmware/config.txt" || fail "config.txt no longer names slot B"
st=$(agent 30 'cozy box status')
echo "$st" | sed 's/^/  guest: /'
echo "$st" | grep -qiE 'rolled back|failed' || fail "cozy box status does not tell the failed update"

# --- 5. a hung system resets itself: everything, PID 1 included, is
# frozen (suspend to idle, which nothing wakes); PID 1 no longer pings the
# hardware watchdog (QEMU's i6300esb here, bcm2835_wdt on a Pi), which
# resets the board: with -no-reboot, QEMU ends. (Checked by hand: with
# systemd.watchdog_sec=off the frozen guest was still there after 60 s.)
step "freezing the whole system: the hardware watchdog must reset it"
agent 10 "cat /sys/class/watchdog/watchdog0/state" | grep -qx active || fail "the hardware watchdog is not armed"
t5=$(now)
agent 10 "(sleep 1; echo freeze >/sys/power/state) >/dev/null 2>&1 &" || fail "could not freeze the guest"
qemu_wait_exit 90
figures+=("frozen system reset by the watchdog after $(since "$t5") s")

step "PASS in $(since "$t_start") s (build included)"
printf '  %s\n' "${figures[@]}"
exit 0
}
