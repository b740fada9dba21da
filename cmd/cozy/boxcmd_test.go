package main

import (
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/update"
)

func TestPrintImageStatus(t *testing.T) {
	st := update.Status{
		Release: update.Release{Version: "v1.2.0", Board: "rpi4", Kernel: "6.1.0-57-arm64"},
		Booted:  update.SlotB,
		Slots: map[update.Slot]update.Partition{
			update.SlotA: {Label: "cozy-root-a", Device: "/dev/mmcblk0p2", Size: 1 << 30},
			update.SlotB: {Label: "cozy-root-b", Device: "/dev/mmcblk0p3", Size: 1 << 30},
		},
		Data:    update.Partition{Label: "cozy-data", Device: "/dev/mmcblk0p4", Size: 60 << 30},
		DataUse: update.Usage{Size: 59 << 30, Free: 3 << 29},
	}
	var b strings.Builder
	printImageStatus(&b, st)
	want := `Image:   cozy v1.2.0 for rpi4 (kernel 6.1.0-57-arm64)
Slot a:  cozy-root-a (/dev/mmcblk0p2, 1.0 GiB; spare, an update writes it)
Slot b:  cozy-root-b (/dev/mmcblk0p3, 1.0 GiB; running, read-only)
Data:    /data on /dev/mmcblk0p4, 59.0 GiB, 1.5 GiB free
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 64 << 20: "64.0 MiB", 5 << 40: "5.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
