package update

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StateDir is where the last update is recorded, on the data partition
// (the root is read-only and the boot partition is the firmware's).
const StateDir = "/var/lib/cozy/update"

// Files of StateDir.
const (
	stateFile    = "state.json"    // the last update and its outcome
	progressFile = "progress.json" // while a bundle is written
	// StagedFile is a bundle the server checked and left for the root
	// unit cozy-update.path to apply (`cozy box update --staged`).
	StagedFile = "staged.bundle"
	lockFile   = "lock"
)

// Outcome is where the last update stands.
type Outcome string

// Outcomes of an update, in the order they happen.
const (
	Applying   Outcome = "applying"    // the slot is being written
	Trying     Outcome = "trying"      // written; the next boot tries it once
	Committed  Outcome = "committed"   // it booted healthy and is now the default
	Failed     Outcome = "failed"      // it booted but was not healthy in time; rebooting to the old slot
	RolledBack Outcome = "rolled back" // the box came back on the old slot
	Refused    Outcome = "refused"     // bad bundle: nothing written
	Aborted    Outcome = "error"       // writing failed or was interrupted; the old slot stays
)

// State is state.json: the last update.
type State struct {
	Version     string     `json:"version"`           // of the bundle
	Slot        Slot       `json:"slot,omitempty"`    // the slot written
	FromVersion string     `json:"from_version"`      // running when it was applied
	FromSlot    Slot       `json:"from_slot"`         // running when it was applied
	Outcome     Outcome    `json:"outcome"`           // see the constants
	Error       string     `json:"error,omitempty"`   // why it failed, rolled back or was refused
	BootID      string     `json:"boot_id,omitempty"` // the boot that armed the one-try boot
	Started     time.Time  `json:"started"`           // apply began
	Written     *time.Time `json:"written,omitempty"` // slot written and armed
	Finished    *time.Time `json:"finished,omitempty"`
}

// Progress is progress.json while a bundle is applied.
type Progress struct {
	Version string    `json:"version,omitempty"`
	Phase   string    `json:"phase"` // verifying, boot, root, finishing, done
	Done    int64     `json:"done"`  // bytes of the phase written
	Total   int64     `json:"total"`
	Updated time.Time `json:"updated"`
}

// Percent is the progress of the phase, 0 to 100.
func (p Progress) Percent() int {
	if p.Total <= 0 {
		return 0
	}
	return int(p.Done * 100 / p.Total)
}

// readJSON decodes a small JSON file; a missing file is (false, nil).
func readJSON(p string, v any) (bool, error) {
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("update: %s: %w", filepath.Base(p), err)
	}
	return true, nil
}

func jsonIndent(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	return append(data, '\n'), nil
}
