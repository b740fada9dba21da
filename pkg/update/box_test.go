package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testBox is a box made of files: the root tree Updater reads (command
// line, release, trusted keys, udev links, sysfs), files standing for the
// root partitions, and a boot directory standing for the FAT partition.
type testBox struct {
	t    *testing.T
	root string
	key  ed25519.PrivateKey
	u    *Updater
	out  *bytes.Buffer
	// reboots records the reboot arguments asked for.
	reboots []string
}

const (
	testSlotMiB = 4
	testConfig  = "# test config.txt\narm_64bit=1\nos_prefix=slot-a/\nkernel=vmlinuz\n[pi4]\ncore_freq=360\n"
)

func newTestBox(t *testing.T, board string) *testBox {
	t.Helper()
	b := &testBox{t: t, root: t.TempDir(), out: &bytes.Buffer{}}
	// A fixed key: bundles are built once per test binary.
	b.key = testKey
	pub := testKey.Public().(ed25519.PublicKey)
	b.write(ReleaseFile, "COZY_VERSION=v1\nCOZY_BOARD="+board+"\nCOZY_KERNEL=6.1.0-57-arm64\n")
	b.write(KeysDir+"/release.pub", encodeKey(pub))
	b.boot("a", "root=LABEL=cozy-root-a", "v1")
	b.write(BootDir+"/config.txt", testConfig)
	if board != "qemu" { // the image's cozy_tryboot.ko, loaded on a Pi
		b.write("/sys/module/cozy_tryboot/refcnt", "0\n")
	}
	for name, part := range map[string]string{"vda2": "2", "vda3": "3", "vda4": "4"} {
		b.write("/sys/class/block/"+name+"/partition", part+"\n")
		b.write("/sys/class/block/"+name+"/size", strconv.Itoa(testSlotMiB*2048)+"\n")
	}
	img, err := os.ReadFile(mkext4(t, "cozy-root-a", 3))
	if err != nil {
		t.Fatal(err)
	}
	b.write("/dev/vda2", string(img))
	b.write("/dev/vda3", "")
	if err := os.Truncate(b.path("/dev/vda3"), testSlotMiB<<20); err != nil {
		t.Fatal(err)
	}
	b.link("cozy-root-a", "vda2")
	if err := os.MkdirAll(b.path(DataDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(b.path("/var/lib/cozy"), 0o700); err != nil {
		t.Fatal(err)
	}
	b.u = &Updater{System: System{Root: b.root}, Out: b.out, Reboot: func(_ context.Context, arg string) error {
		b.reboots = append(b.reboots, arg)
		return nil
	}}
	b.bootAs("a", "boot-1")
	return b
}

func encodeKey(k []byte) string {
	return base64.StdEncoding.EncodeToString(k) + "\n"
}

func (b *testBox) path(p string) string { return filepath.Join(b.root, p) }

func (b *testBox) write(p, content string) {
	b.t.Helper()
	p = b.path(p)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *testBox) read(p string) string {
	b.t.Helper()
	data, err := os.ReadFile(b.path(p))
	if err != nil {
		b.t.Fatal(err)
	}
	return string(data)
}

func (b *testBox) exists(p string) bool {
	_, err := os.Stat(b.path(p))
	return err == nil
}

// link makes udev's by-label link of a partition.
func (b *testBox) link(label, dev string) {
	b.t.Helper()
	dir := b.path("/dev/disk/by-label")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, label))
	if err := os.Symlink("../../"+dev, filepath.Join(dir, label)); err != nil {
		b.t.Fatal(err)
	}
}

// boot writes the slot directory of the boot partition as the image does.
func (b *testBox) boot(slot, cmdline, version string) {
	d := BootDir + "/slot-" + slot + "/"
	b.write(d+"vmlinuz", "kernel "+version)
	b.write(d+"initrd.img", "initrd "+version)
	b.write(d+"cmdline.txt", "console=ttyAMA0 "+cmdline+" ro\n")
	b.write(d+"version", version+"\n")
}

// bootAs stands for a boot of slot: the kernel command line of that
// slot, a new boot id.
func (b *testBox) bootAs(slot, bootID string) {
	b.write("/proc/cmdline", "console=ttyAMA0 root=LABEL=cozy-root-"+slot+" ro panic=10\n")
	b.write("/proc/sys/kernel/random/boot_id", bootID+"\n")
}

// bundle builds a bundle of version for board, signed by key, and returns
// its path and the root image it carries.
func (b *testBox) bundle(version, board string, key ed25519.PrivateKey) (string, []byte) {
	b.t.Helper()
	img := mkext4(b.t, "cozy-root", 3) // the neutral label of image.mk's bundle image
	pub := key.Public().(ed25519.PublicKey)
	out := cached(b.t, fmt.Sprintf("bundle-%s-%s-%x", version, board, pub[:8]), func(dir string) string {
		boot := filepath.Join(dir, "boot")
		os.MkdirAll(boot, 0o755)
		for name, content := range map[string]string{
			"vmlinuz":             "kernel " + version + strings.Repeat("k", 100000),
			"initrd.img":          "initrd " + version,
			"cmdline.txt":         "console=ttyAMA0 root=LABEL=cozy-root-@SLOT@ ro panic=10\n",
			"bcm2711-rpi-4-b.dtb": "dtb",
		} {
			if err := os.WriteFile(filepath.Join(boot, name), []byte(content), 0o644); err != nil {
				b.t.Fatal(err)
			}
		}
		out := filepath.Join(dir, "cozy-"+version+".bundle")
		if _, err := WriteBundle(context.Background(), out, BundleSpec{Key: key, Board: board, Version: version,
			Kernel: "6.1.0-57-arm64", BootDir: boot, Root: img, Created: time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)}); err != nil {
			b.t.Fatal(err)
		}
		return out
	})
	raw, err := os.ReadFile(img)
	if err != nil {
		b.t.Fatal(err)
	}
	return out, raw
}

func (b *testBox) apply(bundle string) (*State, error) {
	b.t.Helper()
	f, err := os.Open(bundle)
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	return b.u.Apply(context.Background(), f, ApplyOptions{NoReboot: true})
}
