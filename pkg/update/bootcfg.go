package update

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Files of the boot partition (the FAT partition COZYBOOT).
const (
	// BootDir is where the boot partition is mounted.
	BootDir = "/boot/firmware"
	// configFile is what the firmware reads at every normal boot: its
	// os_prefix names the committed slot.
	configFile = "config.txt"
	// tryFile is what the Pi firmware reads instead for one boot after a
	// reboot with "0 tryboot".
	tryFile = "tryboot.txt"
	// tryFlag stands for the firmware's tryboot flag on board qemu, where
	// the image test's loop plays the firmware: it deletes the file and
	// boots tryboot.txt's slot once.
	tryFlag = "TRYBOOT"
)

// slotDir is the directory of a slot's boot files on the boot partition.
func slotDir(s Slot) string { return "slot-" + string(s) }

// osPrefix finds the slot named by the os_prefix= line of a config.txt.
// A file without one boots slot a (the image's first slot), as the
// firmware would read the files at the root otherwise.
func osPrefix(config string) (Slot, bool, error) {
	sc := bufio.NewScanner(strings.NewReader(config))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		v, ok := strings.CutPrefix(line, "os_prefix=")
		if !ok {
			continue
		}
		switch v = strings.TrimSpace(v); v {
		case "slot-a/":
			return SlotA, true, nil
		case "slot-b/":
			return SlotB, true, nil
		default:
			return "", true, fmt.Errorf("update: config.txt: os_prefix=%s is not a slot", v)
		}
	}
	return SlotA, false, nil
}

// withOSPrefix rewrites config's os_prefix lines to boot slot s (and adds
// one at the top when there is none).
func withOSPrefix(config string, s Slot) string {
	line := "os_prefix=" + slotDir(s) + "/"
	lines := strings.SplitAfter(config, "\n")
	found := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "os_prefix=") {
			nl := ""
			if strings.HasSuffix(l, "\n") {
				nl = "\n"
			}
			lines[i] = line + nl
			found = true
		}
	}
	if !found {
		return line + "\n" + config
	}
	return strings.Join(lines, "")
}

// readConfig reads config.txt of the boot partition ("" when missing).
func (u System) readConfig() (string, error) {
	data, err := os.ReadFile(u.bootPath(configFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("update: boot partition: %w", err)
	}
	return string(data), nil
}

// committedSlot is the slot a normal boot starts: config.txt's.
func (u System) committedSlot() (Slot, error) {
	cfg, err := u.readConfig()
	if err != nil {
		return "", err
	}
	s, _, err := osPrefix(cfg)
	return s, err
}

// oneTry is how a board boots a slot once: the Pi firmware's tryboot
// flag, given with the reboot, or the flag file the QEMU test's loop
// reads.
type oneTry struct {
	flagFile  bool   // write tryFlag on the boot partition
	rebootArg string // the argument of the reboot syscall
	// module sets the firmware's flag on that reboot: the Debian kernel
	// cannot, the image's cozy_tryboot.ko does (board/common/tryboot/).
	module string
}

func oneTryFor(board string) oneTry {
	if board == "qemu" {
		return oneTry{flagFile: true}
	}
	return oneTry{rebootArg: "0 tryboot", module: "cozy_tryboot"}
}

// ready tells whether the box can boot a slot once. Without the module a
// "0 tryboot" reboot would start the committed slot again: the update
// would be written for nothing and recorded as rolled back. A sandbox
// without /sys/module (lenient: the server) leaves it to the root updater.
func (t oneTry) ready(s System, lenient bool) error {
	if t.module == "" {
		return nil
	}
	if lenient {
		if _, err := os.Stat(s.path("/sys/module")); err != nil {
			return nil
		}
	}
	if _, err := os.Stat(s.path("/sys/module/" + t.module)); err != nil {
		return fmt.Errorf("%w: the kernel module %s, which sets the firmware's tryboot flag, is not loaded", ErrNoTryboot, t.module)
	}
	return nil
}
