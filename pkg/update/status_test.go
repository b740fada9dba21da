package update

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// newRoot builds the part of a booted box that Status reads: the release
// file from testdata, a command line, udev's by-label links and sysfs
// sizes, and a data directory (a real directory, so Statfs answers).
func newRoot(t *testing.T, cmdline string, labels map[string]string, sizes map[string]string) string {
	t.Helper()
	root := t.TempDir()
	write := func(p, content string) {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel, err := os.ReadFile("testdata/root/usr/lib/cozy-release")
	if err != nil {
		t.Fatal(err)
	}
	write(ReleaseFile, string(rel))
	write("/proc/cmdline", cmdline)
	for name, size := range sizes {
		write("/sys/class/block/"+name+"/size", size)
	}
	links := filepath.Join(root, "dev/disk/by-label")
	if err := os.MkdirAll(links, 0o755); err != nil {
		t.Fatal(err)
	}
	for label, dev := range labels {
		if err := os.Symlink("../../"+dev, filepath.Join(links, label)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, DataDir), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestStatusFirstBoot(t *testing.T) {
	root := newRoot(t, "console=ttyS1,115200 root=LABEL=cozy-root-a ro\n",
		map[string]string{"cozy-root-a": "mmcblk0p2", "cozy-data": "mmcblk0p4"},
		map[string]string{"mmcblk0p2": "2097152\n", "mmcblk0p4": "60000000\n"})
	st, err := System{Root: root}.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Booted != SlotA || st.Release.Board != "rpi4" || !st.Release.Created.Equal(time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("booted %q, release %+v", st.Booted, st.Release)
	}
	if a := st.Slots[SlotA]; a.Device != "/dev/mmcblk0p2" || a.Size != 1<<30 {
		t.Fatalf("slot a: %+v", a)
	}
	// Slot B has never been written: no file system, no label.
	if b := st.Slots[SlotB]; b.Device != "" || b.Label != "cozy-root-b" {
		t.Fatalf("slot b: %+v", b)
	}
	if st.Data.Device != "/dev/mmcblk0p4" || st.Data.Size != 60000000*512 {
		t.Fatalf("data: %+v", st.Data)
	}
	if st.DataUse.Size <= 0 || st.DataUse.Free <= 0 || st.DataUse.Free > st.DataUse.Size {
		t.Fatalf("data use: %+v", st.DataUse)
	}
}

func TestStatusNotABox(t *testing.T) {
	root := newRoot(t, "root=/dev/sda1 ro", nil, nil)
	if _, err := (System{Root: root}).Status(context.Background()); !errors.Is(err, ErrNoSlot) {
		t.Fatalf("got %v, want ErrNoSlot", err)
	}
}

func TestStatusMissingSize(t *testing.T) {
	root := newRoot(t, "root=LABEL=cozy-root-b", map[string]string{"cozy-root-b": "vda3"}, nil)
	if _, err := (System{Root: root}).Status(context.Background()); err == nil {
		t.Fatal("a partition without its sysfs size was accepted")
	}
}
