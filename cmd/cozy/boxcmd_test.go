package main

import (
	"strings"
	"testing"
	"time"

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

func TestPrintImageStatusAfterUpdates(t *testing.T) {
	started := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	ended := started.Add(6 * time.Minute)
	st := update.Status{
		Release: update.Release{Version: "v2", Board: "qemu", Kernel: "6.1.0-57-arm64", Created: started.Add(-time.Hour)},
		Booted:  update.SlotB, Committed: update.SlotB,
		Slots: map[update.Slot]update.Partition{
			update.SlotA: {Label: "cozy-root-a", Device: "/dev/vda2", Size: 1 << 30},
			update.SlotB: {Label: "cozy-root-b", Device: "/dev/vda3", Size: 1 << 30},
		},
		Versions: map[update.Slot]string{update.SlotA: "v3", update.SlotB: "v2"},
		Data:     update.Partition{Label: "cozy-data", Device: "/dev/vda4", Size: 1 << 30},
		DataUse:  update.Usage{Size: 1 << 30, Free: 1 << 29},
		Last: &update.State{Version: "v3", Slot: update.SlotA, FromVersion: "v2", FromSlot: update.SlotB,
			Outcome: update.RolledBack, Error: "slot a not healthy within 5m0s: cozy.service is failed", Started: started, Finished: &ended},
	}
	var b strings.Builder
	printImageStatus(&b, st)
	want := `Image:   cozy v2 for qemu (kernel 6.1.0-57-arm64, built 2026-12-03T06:00:00Z)
Slot a:  cozy-root-a (/dev/vda2, 1.0 GiB, cozy v3; spare, an update writes it)
Slot b:  cozy-root-b (/dev/vda3, 1.0 GiB, cozy v2; running, read-only)
Data:    /data on /dev/vda4, 1.0 GiB, 512.0 MiB free
Update:  cozy v3 to slot a: rolled back (slot a not healthy within 5m0s: cozy.service is failed); started 2026-12-03T07:00:00Z, ended 2026-12-03T07:06:00Z
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	// A trial boot: slot a runs, config.txt still starts slot b.
	st.Booted, st.Last.Outcome, st.Last.Error, st.Last.Finished = update.SlotA, update.Trying, "", nil
	b.Reset()
	printImageStatus(&b, st)
	for _, line := range []string{"Slot a:  cozy-root-a (/dev/vda2, 1.0 GiB, cozy v3; running on trial", "Slot b:  cozy-root-b (/dev/vda3, 1.0 GiB, cozy v2; committed: the next normal boot starts it)", "Update:  cozy v3 to slot a: trying; started"} {
		if !strings.Contains(b.String(), line) {
			t.Fatalf("no %q in\n%s", line, b.String())
		}
	}
}
