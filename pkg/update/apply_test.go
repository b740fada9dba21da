package update

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestApplyWritesSpareSlot(t *testing.T) {
	b := newTestBox(t, "qemu")
	bundle, img := b.bundle("v2", "qemu", b.key)
	st, err := b.apply(bundle)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.out)
	}
	if st.Outcome != Trying || st.Slot != SlotB || st.Version != "v2" || st.FromSlot != SlotA || st.FromVersion != "v1" {
		t.Fatalf("state %+v", st)
	}
	// The partition holds the image, relabelled for its slot.
	dev, err := os.Open(b.path("/dev/vda3"))
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if label, err := ext4Label(dev); err != nil || label != "cozy-root-b" {
		t.Fatalf("label %q %v", label, err)
	}
	got := make([]byte, len(img))
	if _, err := dev.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:sbOffset], img[:sbOffset]) || !bytes.Equal(got[sbOffset+sbSize:], img[sbOffset+sbSize:]) {
		t.Fatal("the slot differs from the image outside the superblock")
	}
	if c := b.read(BootDir + "/slot-b/cmdline.txt"); !strings.Contains(c, "root=LABEL=cozy-root-b ") || strings.Contains(c, Placeholder) {
		t.Fatalf("cmdline.txt %q", c)
	}
	if v := b.read(BootDir + "/slot-b/version"); v != "v2\n" {
		t.Fatalf("version %q", v)
	}
	if !strings.HasPrefix(b.read(BootDir+"/slot-b/vmlinuz"), "kernel v2") || !b.exists(BootDir+"/slot-b/bcm2711-rpi-4-b.dtb") {
		t.Fatal("boot files missing")
	}
	// The normal boot is untouched; tryboot.txt and the qemu flag name slot b.
	if c := b.read(BootDir + "/config.txt"); c != testConfig {
		t.Fatalf("config.txt changed: %q", c)
	}
	if c := b.read(BootDir + "/tryboot.txt"); c != strings.Replace(testConfig, "slot-a/", "slot-b/", 1) {
		t.Fatalf("tryboot.txt %q", c)
	}
	if !b.exists(BootDir + "/TRYBOOT") {
		t.Fatal("no TRYBOOT flag on board qemu")
	}
	if last, _ := b.u.LastState(); last == nil || last.Outcome != Trying || last.BootID != "boot-1" {
		t.Fatalf("recorded %+v", last)
	}
	if p, _ := b.u.LastProgress(); p == nil || p.Phase != "done" {
		t.Fatalf("progress %+v", p)
	}
	if len(b.reboots) != 0 {
		t.Fatalf("rebooted with --no-reboot: %q", b.reboots)
	}
}

// TestApplyRefuses: a bundle signed by an unknown key, for another board,
// or too large for the slot is refused with nothing written to the slot
// or the boot partition.
func TestApplyRefuses(t *testing.T) {
	stranger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	for _, tc := range []struct {
		name    string
		board   string
		key     func(b *testBox) ed25519.PrivateKey
		slotMiB int
		want    error
	}{
		{"unknown key", "qemu", func(*testBox) ed25519.PrivateKey { return stranger }, 0, ErrBadSignature},
		{"other board", "rpi4", func(b *testBox) ed25519.PrivateKey { return b.key }, 0, ErrWrongBoard},
		{"slot too small", "qemu", func(b *testBox) ed25519.PrivateKey { return b.key }, 2, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBox(t, "qemu")
			if tc.slotMiB > 0 {
				b.write("/sys/class/block/vda3/size", strconv.Itoa(tc.slotMiB*2048))
			}
			bundle, _ := b.bundle("v2", tc.board, tc.key(b))
			before := snapshot(t, b.path(BootDir))
			st, err := b.apply(bundle)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if st == nil || st.Outcome != Refused {
				t.Fatalf("state %+v", st)
			}
			if after := snapshot(t, b.path(BootDir)); after != before {
				t.Fatalf("boot partition changed:\n%s\n---\n%s", before, after)
			}
			slot, _ := os.ReadFile(b.path("/dev/vda3"))
			if !bytes.Equal(slot, make([]byte, len(slot))) {
				t.Fatal("the slot was written")
			}
		})
	}
}
