package update

import (
	"errors"
	"testing"
)

func TestSlotFromCmdline(t *testing.T) {
	for _, tc := range []struct {
		cmdline string
		want    Slot
		err     error
	}{
		{"console=ttyAMA0 root=LABEL=cozy-root-a ro systemd.volatile=state", SlotA, nil},
		{"console=ttyS1,115200 root=LABEL=cozy-root-b ro rootwait\n", SlotB, nil},
		{"root=/dev/sda1 ro", "", ErrNoSlot},
		{"root=LABEL=RASPIROOT", "", ErrNoSlot},
		{"root=LABEL=cozy-root-c", "", ErrNoSlot},
		{"", "", ErrNoSlot},
	} {
		got, err := SlotFromCmdline(tc.cmdline)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("SlotFromCmdline(%q) = %q, %v; want %q, %v", tc.cmdline, got, err, tc.want, tc.err)
		}
	}
}

func TestSlotOtherAndLabel(t *testing.T) {
	if SlotA.Other() != SlotB || SlotB.Other() != SlotA {
		t.Fatal("Other does not swap the slots")
	}
	if SlotA.Label() != "cozy-root-a" || SlotB.Label() != "cozy-root-b" {
		t.Fatalf("labels %q %q", SlotA.Label(), SlotB.Label())
	}
}
