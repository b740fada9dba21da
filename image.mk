# The SD-card image of the box and its boot test under QEMU.
#
#   make -f image.mk image-deps              host tools (root, idempotent)
#   make -f image.mk image BOARD=rpi4        build/rpi4/cozy-<version>-rpi4.img.xz,
#                                            .sha256 and a Raspberry Pi Imager entry
#   make -f image.mk images                  every board
#   make -f image.mk image-test              build the qemu image from a fresh clone
#                                            and boot it under qemu-system-aarch64
#   make -f image.mk bundle BOARD=rpi4       build/rpi4/cozy-<version>-rpi4.bundle: a
#                                            signed update (`cozy box update FILE|URL`)
#   make -f image.mk update-test             the qemu image updated to v2 (commits),
#                                            then to a v3 that never gets healthy
#                                            (rolls back), and a badly signed bundle
#   make -f image.mk raspi3b-test            boot the rpi3 image under QEMU -M raspi3b
#
# Update bundles are signed with UPDATE_KEY (ed25519, `cozy box keygen`); the
# image trusts the .pub beside it (/usr/lib/cozy/update-keys/). Without a
# key of your own, a test key is made in build/keys/ (with a warning): the
# images it goes into trust only bundles built here.
#
# BOARD is one of $(BOARDS) (board/<name>/). The build runs on the host:
# the Debian arm64 userland comes from mmdebstrap (its maintainer scripts
# under qemu-user), the kernel, modules and firmware are unpacked from
# their .debs, and the partitions are made as files (no loop mount). Each
# step leaves a stamp in build/, so a rebuild with nothing changed does
# nothing and a change redoes only what depends on it.

BOARD    ?= qemu
BOARDS   := qemu rpi3 rpi4 zero2w
# Expanded once: a commit made during a long build must not rename its
# later outputs (the Imager entry named another version than its image).
ifeq ($(origin VERSION),undefined)
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
B        := build
# The work directory (a bundle is assembled in its own, so that building
# one at another version does not remake the image).
W        ?= $(B)/$(BOARD)
IMG      := $(W)/cozy-$(VERSION)-$(BOARD).img
# The update key: a bundle is signed with it, the image trusts its .pub.
DEFAULT_UPDATE_KEY := $(B)/keys/update.key
UPDATE_KEY ?= $(DEFAULT_UPDATE_KEY)
UPDATE_PUB := $(UPDATE_KEY:.key=.pub)
BUNDLE   ?= $(B)/$(BOARD)/cozy-$(VERSION)-$(BOARD).bundle
# Test only: words added to the bundle's kernel command line
# (cozy.commit_deadline=SECONDS), and BUNDLE_TEST_BREAK=1 for a bundle whose
# cozy.service always fails (see board/common/assemble.sh).
BUNDLE_CMDLINE ?=
BUNDLE_TEST_BREAK ?=
# The host's own cozy (keygen, bundle).
HOSTCOZY := $(B)/host/cozy
# Where the images are published, for the Raspberry Pi Imager entry.
IMAGE_URL_BASE ?= https://github.com/cozypi/cozy/releases/download/$(VERSION)

# Pinned Debian packages: the kernel ABI package (the linux-image-arm64
# meta package would follow the archive), the Pi firmware (non-free-firmware),
# busybox for the initramfs, and for Wi-Fi the Broadcom/Cypress chips'
# firmware (non-free-firmware; only the Pi chips' files are kept, see
# board/common/assemble.sh) and the regulatory database cfg80211 loads.
KERNEL_PKG   := linux-image-6.1.0-57-arm64:arm64=6.1.192-3
FIRMWARE_PKG := raspi-firmware=1.20220830+ds-1
BUSYBOX_PKG  := busybox-static:arm64=1:1.35.0-4+deb12u1+b1
WIFI_PKGS    := firmware-brcm80211=20230210-5 wireless-regdb=2026.09.03-1~deb12u1
DEBS         := $(KERNEL_PKG) $(FIRMWARE_PKG) $(BUSYBOX_PKG) $(WIFI_PKGS)
# The kernel's headers and the host's kbuild tools, of KERNEL_PKG's exact
# version, to cross-build cozy_tryboot.ko (board/common/tryboot/): the Pi
# firmware's one-try boot flag, which the Debian kernel cannot set itself.
KABI         := 6.1.0-57
KDEBVER      := 6.1.192-3
KBUILD_DEBS  := linux-headers-$(KABI)-arm64:arm64=$(KDEBVER) linux-headers-$(KABI)-common=$(KDEBVER) \
                linux-kbuild-6.1:$(shell dpkg --print-architecture)=$(KDEBVER)
KHEADERS     := $(B)/kbuild/root/usr/src/linux-headers-$(KABI)-arm64
TRYBOOT_KO   := $(B)/tryboot/cozy_tryboot.ko
# The userland: systemd as PID 1, networkd (DHCP), resolved (mDNS,
# cozy.local), timesyncd (no RTC on a Pi), what grows the data partition,
# and wpa_supplicant for Wi-Fi (configured by `cozy box wifi`).
USERLAND_PKGS := systemd systemd-sysv udev kmod dbus iproute2 ca-certificates \
                 systemd-timesyncd systemd-resolved libnss-resolve fdisk e2fsprogs wpasupplicant

# The commit time, not the build time, goes into the binary: a rebuild of
# the same commit makes the same binary, so the image is not remade.
COMMIT_TIME := $(shell git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo unknown)
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
endif
export SOURCE_DATE_EPOCH
COZY_LDFLAGS := -s -w -X github.com/cozypi/cozy/pkg/build.Version=$(VERSION) \
                -X github.com/cozypi/cozy/pkg/build.Time=$(COMMIT_TIME)

# A file that changes only when its content does: make rebuilds what
# depends on a variable's value (package lists, version) only when it moves.
define spec
$(shell mkdir -p $(dir $(1)) && printf '%s\n' '$(2)' | cmp -s - $(1) || printf '%s\n' '$(2)' > $(1))
endef
$(call spec,$(B)/debs/spec,$(DEBS))
$(call spec,$(B)/kbuild/spec,$(KBUILD_DEBS))
$(call spec,$(B)/userland/spec,$(USERLAND_PKGS))
$(call spec,$(W)/spec,$(VERSION) $(BOARD) $(COZY_LDFLAGS))
$(call spec,$(W)/bundle.spec,$(BUNDLE_CMDLINE) $(BUNDLE_TEST_BREAK))

STEP = @printf '[%s] %s\n' "$$(date +%T)" 
# What goes into the image (the test harness does not).
SOURCES := $(filter-out %-test.sh board/common/qemu.sh board/common/agent.py,\
             $(shell find rootfs board/common board/$(BOARD) -type f 2>/dev/null))

.PHONY: image images img image-deps image-test image-clean bundle bundle-file update-test raspi3b-test
.DELETE_ON_ERROR:

image: $(IMG).xz $(IMG).xz.sha256 $(if $(filter qemu,$(BOARD)),,$(W)/os_list.json)
	@echo "image: $(IMG).xz $$(du -h $(IMG).xz | cut -f1) (raw $$(du -h --apparent-size $(IMG) | cut -f1), $$(du -h $(IMG) | cut -f1) allocated)"

# The raw image alone (what image-test boots): no compression.
img: $(IMG)
	@echo "img: $(IMG)"

images:
	@for b in $(BOARDS); do $(MAKE) --no-print-directory -f image.mk image BOARD=$$b || exit 1; done

image-deps:
	@sh board/common/deps.sh

$(B)/debs/.stamp: $(B)/debs/spec
	$(STEP) "debs: download $(DEBS)"
	@rm -rf $(B)/debs/*.deb $(B)/x && mkdir -p $(B)/x
	@cd $(B)/debs && apt-get download -q=2 $(DEBS) 2>download.log || { cat download.log; exit 1; }
	@for d in $(B)/debs/*.deb; do dpkg-deb -x $$d $(B)/x; done
	@test $$(ls $(B)/x/lib/modules | wc -l) = 1
	@depmod -b $(B)/x -a $$(ls $(B)/x/lib/modules)
	@touch $@

# The headers' Makefile includes the common headers by their installed
# path; unpacked here, it is pointed at the copy.
$(B)/kbuild/.stamp: $(B)/kbuild/spec
	$(STEP) "kbuild: download $(KBUILD_DEBS)"
	@rm -rf $(B)/kbuild/*.deb $(B)/kbuild/root && mkdir -p $(B)/kbuild/root
	@cd $(B)/kbuild && apt-get download -q=2 $(KBUILD_DEBS) 2>download.log || { cat download.log; exit 1; }
	@for d in $(B)/kbuild/*.deb; do dpkg-deb -x $$d $(B)/kbuild/root; done
	@sed -i 's|^include /usr/src/|include $(CURDIR)/$(B)/kbuild/root/usr/src/|' $(KHEADERS)/Makefile
	@touch $@

# Cross-built against the pinned kernel (vermagic and symbol versions
# match it), debug info stripped. Kbuild must not see this file's
# command-line variables (VERSION, W, B mean other things to it).
$(TRYBOOT_KO): $(B)/kbuild/.stamp board/common/tryboot/cozy_tryboot.c board/common/tryboot/Kbuild
	$(STEP) "tryboot: build cozy_tryboot.ko for $(KABI)-arm64"
	@rm -rf $(B)/tryboot && mkdir -p $(B)/tryboot/src && cp board/common/tryboot/* $(B)/tryboot/src/
	@env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -s -C $(KHEADERS) M=$(CURDIR)/$(B)/tryboot/src ARCH=arm64 \
	  CROSS_COMPILE=aarch64-linux-gnu- modules >$(B)/tryboot/build.log 2>&1 || { cat $(B)/tryboot/build.log; exit 1; }
	@aarch64-linux-gnu-strip --strip-debug -o $@ $(B)/tryboot/src/cozy_tryboot.ko

$(B)/userland/.stamp: $(B)/userland/spec board/common/userland.sh
	$(STEP) "userland: mmdebstrap bookworm arm64 ($(USERLAND_PKGS)), a few minutes (the maintainer scripts run under qemu-user)"
	@rm -rf $(B)/userland/root $(B)/userland/root.tmp
	@sh board/common/userland.sh $(B)/userland/root $(USERLAND_PKGS)
	@echo "  userland $$(du -sh $(B)/userland/root | cut -f1)"
	@touch $@

# Built by the project's Makefile (embedded assets included); copied only
# when it changed, so that its date moves only then.
# The apps' shared assets (npm, see web/apps/assets/fetch.sh) are fetched
# once before the two Go builds below: under make -j they would both fetch
# them into the same directory at once.
ASSETS := web/apps/assets/dist/.stamp
$(ASSETS): web/apps/assets/packages.txt
	@sh web/apps/assets/fetch.sh

$(W)/cozy: FORCE $(W)/spec | $(ASSETS)
	$(STEP) "cozy: go build linux/arm64 $(VERSION)"
	@$(MAKE) --no-print-directory -s build-arm64 LDFLAGS='$(COZY_LDFLAGS)'
	@cmp -s bin/cozy-linux-arm64 $@ || cp bin/cozy-linux-arm64 $@

# The host's cozy, for keygen and bundle: rebuilt when the sources moved,
# replaced only when it changed.
$(HOSTCOZY): FORCE | $(ASSETS)
	@mkdir -p $(dir $@)
	@$(MAKE) --no-print-directory -s build BIN=$(CURDIR)/$@.new LDFLAGS='-s -w'
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

# Only the default key is made here; a key given in UPDATE_KEY must exist.
ifeq ($(wildcard $(DEFAULT_UPDATE_KEY)),)
$(DEFAULT_UPDATE_KEY:.key=.pub): $(DEFAULT_UPDATE_KEY)
$(DEFAULT_UPDATE_KEY): $(HOSTCOZY)
	@echo "WARNING: no update key: making a test key $@ (images built now trust only bundles signed with it; set UPDATE_KEY=... to the release key)" >&2
	@mkdir -p $(dir $@)
	@$(HOSTCOZY) box keygen -o $(basename $@)
endif

ASSEMBLE = BOARD=$(BOARD) VERSION=$(VERSION) W=$(CURDIR)/$(W) X=$(CURDIR)/$(B)/x USERLAND=$(CURDIR)/$(B)/userland/root \
	  COZY=$(CURDIR)/$(W)/cozy TOP=$(CURDIR) UPDATE_PUB=$(abspath $(UPDATE_PUB)) TRYBOOT_KO=$(CURDIR)/$(TRYBOOT_KO) \
	  bash board/common/assemble.sh

$(IMG): $(B)/debs/.stamp $(B)/userland/.stamp $(TRYBOOT_KO) $(W)/cozy $(W)/spec $(SOURCES) $(UPDATE_PUB)
	$(STEP) "image $(BOARD): assemble"
	@rm -f $(W)/cozy-*-$(BOARD).img*
	@$(ASSEMBLE)

$(IMG).xz: $(IMG)
	$(STEP) "image $(BOARD): xz -T0"
	@xz -T0 -6 -k -f $<

$(IMG).xz.sha256: $(IMG).xz
	@cd $(W) && sha256sum $(notdir $<) > $(notdir $@)

$(W)/os_list.json: $(IMG).xz board/common/oslist.sh
	@BOARD=$(BOARD) VERSION=$(VERSION) URL=$(IMAGE_URL_BASE)/$(notdir $(IMG)).xz \
	  sh board/common/oslist.sh $(IMG) $@

# An update bundle of the same tree: assembled in its own work directory
# (the image's stays as it is), then signed and packed by `cozy box bundle`.
bundle:
	@$(MAKE) --no-print-directory -f image.mk bundle-file W=$(B)/$(BOARD)-bundle

bundle-file: $(BUNDLE)
	@echo "bundle: $(BUNDLE) $$(du -h $(BUNDLE) | cut -f1)"

$(W)/bundle/.stamp: $(B)/debs/.stamp $(B)/userland/.stamp $(TRYBOOT_KO) $(W)/cozy $(W)/spec $(W)/bundle.spec $(SOURCES) $(UPDATE_PUB)
	$(STEP) "bundle $(BOARD) $(VERSION): assemble"
	@MODE=bundle BUNDLE_CMDLINE='$(BUNDLE_CMDLINE)' BUNDLE_TEST_BREAK='$(BUNDLE_TEST_BREAK)' $(ASSEMBLE)
	@touch $@

$(BUNDLE): $(W)/bundle/.stamp $(UPDATE_KEY) $(HOSTCOZY)
	$(STEP) "bundle $(BOARD) $(VERSION): sign and pack with $(UPDATE_KEY)"
	@mkdir -p $(dir $@)
	@t0=$$(date +%s.%N); $(HOSTCOZY) box bundle -key $(UPDATE_KEY) -board $(BOARD) -version $(VERSION) \
	  -kernel $$(cat $(W)/bundle/kernel) -boot $(W)/bundle/boot -root $(W)/bundle/root.ext4 -o $@.tmp && \
	  mv -f $@.tmp $@ && cd $(dir $@) && sha256sum $(notdir $@) > $(notdir $@).sha256 && \
	  awk -v t0=$$t0 -v t1=$$(date +%s.%N) 'BEGIN { printf "  packed in %.1f s\n", t1 - t0 }'

# Boots the qemu image built from a fresh clone of HEAD (what is committed
# is what is tested). IMAGE_TEST_SRC=. tests the working tree instead.
image-test:
	@bash board/common/image-test.sh

# Updates that image under QEMU (board/common/update-test.sh): it reuses
# image-test's clone and build when they are of the same commit.
update-test:
	@bash board/common/update-test.sh

# Boots the rpi3 image on an emulated Pi 3 B (qemu-system-aarch64 -M
# raspi3b; board/common/raspi3b-test.sh): reuses image-test's clone when
# it is of HEAD; IMAGE_TEST_SRC=. tests the working tree.
raspi3b-test:
	@bash board/common/raspi3b-test.sh

image-clean:
	rm -rf $(B)

FORCE:
