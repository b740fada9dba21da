package update

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DataLabel is the label of the data partition, mounted on DataDir.
const DataLabel = "cozy-data"

// DataDir is where the data partition is mounted.
const DataDir = "/data"

// Partition is a partition found by its label.
type Partition struct {
	Label  string
	Device string // /dev/vda2, /dev/mmcblk0p2; empty when absent
	Size   int64  // bytes
}

// Usage is the space of a mounted file system.
type Usage struct {
	Size, Free int64 // bytes; Free is what an unprivileged user may use
}

// Status is the state of the box's slots and data partition.
type Status struct {
	Release Release
	Booted  Slot
	Slots   map[Slot]Partition
	Data    Partition
	DataUse Usage
	// Committed is the slot a normal boot starts (config.txt's
	// os_prefix); "" when the boot partition cannot be read.
	Committed Slot
	// Versions are the versions of the slots' boot directories ("" for
	// a slot never written, or being written).
	Versions map[Slot]string
	// Last is the last update applied (nil: none); Progress is its
	// progress while it is written.
	Last     *State
	Progress *Progress
}

// System reads the running system under Root ("/" on the box).
type System struct {
	Root string
}

func (s System) path(p string) string { return filepath.Join(s.Root, p) }

func (s System) bootPath(name string) string  { return s.path(filepath.Join(BootDir, name)) }
func (s System) statePath(name string) string { return s.path(filepath.Join(StateDir, name)) }

// Status gathers the release, the booted slot and the partitions. A
// system not booted from the image gives ErrNoSlot.
func (s System) Status(ctx context.Context) (Status, error) {
	cmdline, err := os.ReadFile(s.path("/proc/cmdline"))
	if err != nil {
		return Status{}, fmt.Errorf("update: %w", err)
	}
	booted, err := SlotFromCmdline(string(cmdline))
	if err != nil {
		return Status{}, err
	}
	f, err := os.Open(s.path(ReleaseFile))
	if err != nil {
		return Status{}, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	rel, err := ParseRelease(f)
	if err != nil {
		return Status{}, err
	}
	st := Status{Release: rel, Booted: booted, Slots: map[Slot]Partition{}}
	for _, slot := range []Slot{SlotA, SlotB} {
		if st.Slots[slot], err = s.partition(slot.Label()); err != nil {
			return Status{}, err
		}
	}
	if st.Data, err = s.partition(DataLabel); err != nil {
		return Status{}, err
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(s.path(DataDir), &fs); err != nil {
		return Status{}, fmt.Errorf("update: %s: %w", DataDir, err)
	}
	st.DataUse = Usage{Size: int64(fs.Blocks) * fs.Bsize, Free: int64(fs.Bavail) * fs.Bsize}
	// The update's side: best effort, status must answer on a box whose
	// boot partition is not mounted or that never saw an update.
	if _, err := os.Stat(s.bootPath(configFile)); err == nil {
		if c, err := s.committedSlot(); err == nil {
			st.Committed = c
		}
	}
	st.Versions = map[Slot]string{SlotA: s.slotVersion(SlotA), SlotB: s.slotVersion(SlotB)}
	st.Last, _ = s.LastState()
	if st.Last != nil && st.Last.Outcome == Applying {
		st.Progress, _ = s.LastProgress()
	}
	return st, ctx.Err()
}

// partition resolves a label through udev's /dev/disk/by-label links and
// reads its size from sysfs (in 512-byte sectors whatever the device).
// An empty slot B has no file system, hence no label: it is reported
// without a device rather than as an error.
func (s System) partition(label string) (Partition, error) {
	p := Partition{Label: label}
	target, err := os.Readlink(s.path("/dev/disk/by-label/" + label))
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("update: %w", err)
	}
	name := filepath.Base(target)
	p.Device = "/dev/" + name
	raw, err := os.ReadFile(s.path("/sys/class/block/" + name + "/size"))
	if err != nil {
		return p, fmt.Errorf("update: size of %s: %w", p.Device, err)
	}
	sectors, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return p, fmt.Errorf("update: size of %s: %w", p.Device, err)
	}
	p.Size = sectors * 512
	return p, nil
}
