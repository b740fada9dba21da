package update

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoSlot means the kernel command line names no root slot: the system
// was not booted from the box's image (a development machine, a container).
var ErrNoSlot = errors.New("update: not booted from a cozy root slot")

// Slot is one of the two root partitions.
type Slot string

// The two slots of the image (board/common/assemble.sh).
const (
	SlotA Slot = "a"
	SlotB Slot = "b"
)

// labelPrefix starts the ext4 label of each root slot; the initramfs
// mounts the root by that label (root=LABEL=cozy-root-a).
const labelPrefix = "cozy-root-"

// Label is the file system label of the slot's partition.
func (s Slot) Label() string { return labelPrefix + string(s) }

// Other is the slot an update writes: the one not running.
func (s Slot) Other() Slot {
	if s == SlotA {
		return SlotB
	}
	return SlotA
}

// SlotFromCmdline finds the booted slot in a kernel command line: the
// root=LABEL=cozy-root-X argument that cmdline.txt of the slot carries.
func SlotFromCmdline(cmdline string) (Slot, error) {
	for _, arg := range strings.Fields(cmdline) {
		label, ok := strings.CutPrefix(arg, "root=LABEL=")
		if !ok {
			continue
		}
		switch s := Slot(strings.TrimPrefix(label, labelPrefix)); {
		case !strings.HasPrefix(label, labelPrefix):
			return "", fmt.Errorf("%w: root is %s", ErrNoSlot, label)
		case s == SlotA || s == SlotB:
			return s, nil
		default:
			return "", fmt.Errorf("%w: unknown slot %q", ErrNoSlot, s)
		}
	}
	return "", ErrNoSlot
}
