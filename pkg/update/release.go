package update

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReleaseFile is where the image records what it was built as.
const ReleaseFile = "/usr/lib/cozy-release"

// Release is the content of ReleaseFile.
type Release struct {
	Version string // the git version of the build (cozy version)
	Board   string // qemu, rpi3, rpi4, zero2w
	Kernel  string // the kernel release the modules are for
}

// ParseRelease reads ReleaseFile's KEY=value lines; unknown keys are
// ignored so that later images can add some.
func ParseRelease(r io.Reader) (Release, error) {
	var rel Release
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return Release{}, fmt.Errorf("update: release: malformed line %q", line)
		}
		value = strings.Trim(value, `"`)
		switch key {
		case "COZY_VERSION":
			rel.Version = value
		case "COZY_BOARD":
			rel.Board = value
		case "COZY_KERNEL":
			rel.Kernel = value
		}
	}
	if err := sc.Err(); err != nil {
		return Release{}, fmt.Errorf("update: release: %w", err)
	}
	if rel.Version == "" || rel.Board == "" {
		return Release{}, errors.New("update: release: COZY_VERSION or COZY_BOARD missing")
	}
	return rel, nil
}
