package update

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// ErrDowngrade: the bundle was built before the running system (its
// manifest's created is older than the release's COZY_CREATED), and no
// explicit override allows it. Replaying an old, validly signed bundle
// would bring back its known flaws and the keys it trusts.
var ErrDowngrade = errors.New("update: downgrade refused")

// overrideFile is the server's record, beside StagedFile, that the admin
// API allowed the downgrade to the bundle it staged.
const overrideFile = "staged.allow-downgrade"

// StagedOverride is what the server records when the admin API stages an
// older bundle with allow_downgrade: the bundle it is for, so that the
// root updater allows that bundle only.
type StagedOverride struct {
	Version string    `json:"version"`
	Created time.Time `json:"created"`
}

// matches tells whether o was recorded for the bundle of manifest m.
func (o *StagedOverride) matches(m *Manifest) bool {
	return o != nil && o.Version == m.Version && o.Created.Equal(m.Created)
}

// StagedOverridePath is where the server records a downgrade override for
// the staged bundle.
func (u System) StagedOverridePath() string { return u.statePath(overrideFile) }

// StagedOverride reads the override recorded for the staged bundle (nil
// when none).
func (u System) StagedOverride() (*StagedOverride, error) {
	var o StagedOverride
	ok, err := readJSON(u.StagedOverridePath(), &o)
	if !ok || err != nil {
		return nil, err
	}
	return &o, nil
}

// older tells whether the bundle of m was built before the running
// release (false when the release has no date: nothing to compare).
func older(rel Release, m *Manifest) bool {
	return !rel.Created.IsZero() && m.Created.Before(rel.Created)
}

// checkDowngrade refuses a bundle built before the running release unless
// allow. The same build (equal dates) passes: reinstalling it, or two
// versions packed from one commit, is no rollback. A release without a
// date (an image older than COZY_CREATED) cannot be compared: the bundle
// passes and the log says the check is off.
func checkDowngrade(log *slog.Logger, rel Release, m *Manifest, allow bool) error {
	if rel.Created.IsZero() {
		log.Warn("update: no downgrade check: the running image records no readable build date (COZY_CREATED)",
			"running", rel.Version, "bundle", m.Version, "bundle_created", m.Created)
		return nil
	}
	if !older(rel, m) {
		return nil
	}
	if allow {
		log.Warn("update: downgrade allowed by an explicit override",
			"running", rel.Version, "running_created", rel.Created, "bundle", m.Version, "bundle_created", m.Created)
		return nil
	}
	return fmt.Errorf("%w: the bundle (cozy %s, built %s) is older than the running system (cozy %s, built %s); only an explicit allow-downgrade override installs it",
		ErrDowngrade, m.Version, m.Created.UTC().Format(time.RFC3339), rel.Version, rel.Created.Format(time.RFC3339))
}

// logger is l, or the default logger when nil.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// removeOverride removes the override record, if any.
func (u System) removeOverride() error {
	if err := os.Remove(u.StagedOverridePath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}
