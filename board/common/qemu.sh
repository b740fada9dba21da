# shellcheck shell=bash
# Sourced by image-test.sh and update-test.sh: builds the qemu board's
# image and boots its disk under qemu-system-aarch64 -M virt the way the
# Raspberry Pi firmware boots a card, which no emulator runs:
#   - before each boot, read os_prefix from the boot partition's config.txt
#     or, when the file TRYBOOT exists there, delete it and read
#     tryboot.txt instead (the firmware's one-try flag, which `cozy box
#     update` sets on board qemu by writing that file);
#   - boot <prefix>vmlinuz, initrd.img and cmdline.txt from that partition;
#   - QEMU runs with -no-reboot: a guest reboot ends QEMU, and the caller
#     "powers on" again with fw_boot.
# The caller sets T (its work directory), and calls fail (prints the
# serial log's tail) and step. Everything is bounded by deadlines; QEMU
# and the HTTP server are ended by their PID.

BUILD_TIMEOUT=${BUILD_TIMEOUT:-1500}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}
TOP=$(git rev-parse --show-toplevel)
IT=$TOP/build/image-test

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# qemu_build [reuse]: sets SRC to the tree to test and builds its qemu
# image (IMG), or IMAGE_BOARD's (raspi3b-test: rpi3). IMAGE_TEST_SRC=DIR
# tests DIR's working tree with its caches; otherwise a fresh clone of
# HEAD in $IT/src, kept as it is when "reuse" is given and it is already
# at HEAD (update-test after image-test: the same build).
qemu_build() {
	local rev t0 board=${IMAGE_BOARD:-qemu}
	if [ -n "${IMAGE_TEST_SRC:-}" ]; then
		SRC=$(cd "$IMAGE_TEST_SRC" && pwd)
		step "building the $board image from $SRC"
	else
		SRC=$IT/src
		rev=$(git -C "$TOP" rev-parse HEAD)
		if [ "${1:-}" = reuse ] && [ "$(git -C "$SRC" rev-parse HEAD 2>/dev/null)" = "$rev" ]; then
			step "reusing image-test's clone of $rev"
		else
			step "building the $board image from a fresh clone of $rev"
			rm -rf "$SRC"
			mkdir -p "$IT"
			git clone -q --no-checkout "$TOP" "$SRC"
			git -C "$SRC" checkout -q --detach "$rev"
			# The apps' shared assets are fetched from npm by the build;
			# the copy carries their stamp, so fetch.sh checks it and
			# keeps them.
			if [ -d "$TOP/web/apps/assets/dist" ]; then
				cp -a "$TOP/web/apps/assets/dist" "$SRC/web/apps/assets/"
			fi
		fi
	fi
	t0=$(date +%s)
	# -j: the userland's mmdebstrap (mostly one core: maintainer scripts
	# under qemu-user, downloads) and the Go builds overlap.
	timeout "$BUILD_TIMEOUT" make --no-print-directory -j"$(nproc)" -C "$SRC" -f image.mk img BOARD="$board"
	IMG=$(ls "$SRC/build/$board"/cozy-*-"$board".img)
	step "built $(basename "$IMG") in $(($(date +%s) - t0)) s"
}

# qemu_disk: a copy of the image one GiB larger (the guest writes to it
# and grows its data partition to the end) in $T/disk.img.
qemu_disk() {
	disk=$T/disk.img
	rm -f "$disk"
	cp --sparse=always "$IMG" "$disk"
	truncate -s +1G "$disk"
}

# fw_prefix: what the firmware would boot now, consuming TRYBOOT. Sets
# prefix (slot-a/) and fw_config (config.txt or tryboot.txt). The last
# os_prefix outside a board filter ([all] or none) wins, as in config.txt.
fw_prefix() {
	fw_config=config.txt
	if mdir -b -i "$disk@@1M" ::TRYBOOT >/dev/null 2>&1; then
		mdel -i "$disk@@1M" ::TRYBOOT
		fw_config=tryboot.txt
	fi
	prefix=$(mtype -i "$disk@@1M" "::$fw_config" 2>/dev/null | tr -d '\r' | awk '
		/^\[/ { s = $0; next }
		(s == "" || s == "[all]") && /^os_prefix=/ { p = substr($0, 11) }
		END { print p }')
	[ -n "$prefix" ] || fail "firmware: no os_prefix in $fw_config"
}

# fw_boot EXTRA...: powers the box on. Picks the slot (fw_prefix), copies
# its kernel, initramfs and command line out of the boot partition, and
# starts QEMU in the background with the guest's port 80 on a free port
# of 127.0.0.1 ($port) and, when AGENT=1, the test agent's virtio-serial
# port on $T/agent.sock. EXTRA words are added to the command line.
# Sets qpid, port, log (this boot's serial log), boot0, boots.
boots=0
qpid=
fw_boot() {
	local f try agentargs=()
	boots=$((boots + 1))
	fw_prefix
	for f in vmlinuz initrd.img cmdline.txt; do
		mcopy -n -o -i "$disk@@1M" "::$prefix$f" "$T/$f" || fail "firmware: no $prefix$f on the boot partition"
	done
	append="$(tr -d '\r\n' <"$T/cmdline.txt") $* panic=1"
	log=$T/serial-$boots.log
	if [ "${AGENT:-}" = 1 ]; then
		rm -f "$T/agent.sock"
		agentargs=(-chardev "socket,id=agent,path=$T/agent.sock,server=on,wait=off"
			-device virtio-serial-pci -device virtserialport,chardev=agent,name=cozy.agent)
	fi
	for try in 1 2 3; do
		# A previous run's log must not be read as this one's (QEMU
		# truncates it only once it has started).
		rm -f "$log"
		port=$(free_port)
		step "boot $boots: firmware reads $fw_config: $prefix ($(cat "$T/cmdline.txt" | tr -d '\r\n' | grep -o 'root=[^ ]*')); guest port 80 on 127.0.0.1:$port"
		boot0=$(now)
		timeout "$((BOOT_TIMEOUT * 3))" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
			-display none -no-reboot -monitor none -serial "file:$log" \
			-kernel "$T/vmlinuz" -initrd "$T/initrd.img" -append "$append" \
			-drive "file=$disk,format=raw,if=none,id=disk" -device virtio-blk-pci,drive=disk \
			-netdev "user,id=net,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-pci,netdev=net,romfile= \
			-device virtio-rng-pci -device i6300esb "${agentargs[@]}" </dev/null >"$T/qemu.out" 2>&1 &
		qpid=$!
		# Give QEMU the moment it needs to bind the forwarded port or
		# fail; should another process take the port first, QEMU exits
		# at once and the next try picks another.
		for _ in $(seq 50); do
			if ! kill -0 "$qpid" 2>/dev/null || [ -s "$log" ]; then break; fi
			sleep 0.2
		done
		if kill -0 "$qpid" 2>/dev/null; then return 0; fi
		wait "$qpid" || true
		qpid=
		grep -q 'host forwarding' "$T/qemu.out" || { cat "$T/qemu.out" >&2; fail "qemu did not start"; }
	done
	fail "no free port for the host forwarding"
}

# qemu_wait_exit SECONDS: waits for the guest to reboot (QEMU ends).
qemu_wait_exit() {
	local deadline=$(($(date +%s) + $1))
	while kill -0 "$qpid" 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "the guest did not reboot within $1 s"
		sleep 0.5
	done
	wait "$qpid" 2>/dev/null || true
	qpid=
	! grep -aq 'Kernel panic' "$log" || fail "kernel panic"
}

# qemu_stop: powers off whatever runs (cleanup).
qemu_stop() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	qpid=
}

# wait_status SECONDS: polls GET /status through the forwarded port until
# it answers; sets status and status_at.
wait_status() {
	local deadline=$(($(date +%s) + $1))
	status= status_at=
	while [ "$(date +%s)" -lt "$deadline" ]; do
		kill -0 "$qpid" 2>/dev/null || fail "qemu exited (kernel panic or reboot)"
		if status=$(curl -fsS -m 3 "http://127.0.0.1:$port/status" 2>/dev/null); then
			status_at=$(now)
			return 0
		fi
		sleep 1
	done
	fail "GET /status did not answer within $1 s"
}

# agent SECONDS SCRIPT: runs SCRIPT as root in the guest (AGENT=1 boots),
# printing its output; returns its exit code (124: no answer in time,
# 125: the guest went away).
agent() { python3 "$TOP/board/common/agent.py" "$T/agent.sock" "$@"; }

# wait_agent SECONDS: waits until the agent answers.
wait_agent() {
	local deadline=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		kill -0 "$qpid" 2>/dev/null || fail "qemu exited (kernel panic or reboot)"
		[ "$(agent 3 'echo ready' 2>/dev/null)" = ready ] && return 0
	done
	fail "the test agent did not answer within $1 s"
}
