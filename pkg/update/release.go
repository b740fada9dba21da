package update

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ReleaseFile is where the image records what it was built as.
const ReleaseFile = "/usr/lib/cozy-release"

// Release is the content of ReleaseFile.
type Release struct {
	Version string // the git version of the build (cozy version)
	Board   string // qemu, rpi3, rpi4, zero2w
	Kernel  string // the kernel release the modules are for
	// Created is when the build's source was committed
	// (SOURCE_DATE_EPOCH), UTC. Zero when the image predates COZY_CREATED,
	// was built outside git (epoch 0) or the date does not parse: then no
	// downgrade check holds.
	Created time.Time
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
		case "COZY_CREATED":
			// A date that does not parse counts as none (the check is
			// then off, and says so) rather than failing: the file is
			// part of the signed image, and an error here would leave the
			// box unable to take the update that fixes it.
			if t, err := time.Parse(time.RFC3339, value); err == nil && t.Unix() > 0 {
				rel.Created = t.UTC()
			}
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
