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
	// tryFile names the slot to try once: its os_prefix is the trial
	// slot's directory.
	tryFile = "tryboot.txt"
	// tryFlag arms the one-try boot on every board. The firmware boots
	// config.txt's (committed) slot; that slot's initramfs finds the flag,
	// deletes it and kexecs into tryboot.txt's slot. The Pi firmware's own
	// tryboot ("0 tryboot" reboot) needs the Raspberry Pi kernel's
	// firmware driver, which the Debian kernel has not.
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
