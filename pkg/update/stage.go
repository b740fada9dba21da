package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cozypi/cozy/pkg/atomicfile"
)

// ErrNoSpace: the data partition has no room for the bundle.
var ErrNoSpace = errors.New("update: no space left on the data partition for the bundle")

// Stager is the unprivileged server's side of an update: it receives a
// bundle (a request body, or a URL it downloads), checks signature,
// board, size, build date (no downgrade unless allowed) and every
// payload's hash while writing it to the data partition, and only then
// puts it at StagedFile, where the root unit cozy-update.path finds it and
// runs `cozy box update --staged`, which checks it all again. A bad bundle
// is refused with nothing staged. One bundle at a time.
type Stager struct {
	System
	// Client downloads bundles given by URL (nil: see Download).
	Client *http.Client
	// Log receives the downgrade warnings (nil: slog.Default).
	Log *slog.Logger

	run sync.Mutex // held while a bundle is received

	mu      sync.Mutex
	staging *Staging
}

// Staging is where the server's last stage stands.
type Staging struct {
	Phase   string    `json:"phase"` // receiving, staged, refused
	Version string    `json:"version,omitempty"`
	Done    int64     `json:"done"`  // bytes received
	Total   int64     `json:"total"` // bytes expected (0: unknown)
	Error   string    `json:"error,omitempty"`
	Updated time.Time `json:"updated"`
}

// Report is what GET /box/update answers.
type Report struct {
	// Staging is the server's part (nil: nothing received since it
	// started).
	Staging *Staging `json:"staging"`
	// Staged: a checked bundle waits for the root unit.
	Staged bool `json:"staged"`
	// State is the last update applied (state.json), Progress its
	// progress while the slot is written.
	State    *State    `json:"state"`
	Progress *Progress `json:"progress,omitempty"`
}

// Report reads the state of the last stage and update.
func (s *Stager) Report() (Report, error) {
	var r Report
	s.mu.Lock()
	if s.staging != nil {
		c := *s.staging
		r.Staging = &c
	}
	s.mu.Unlock()
	if _, err := os.Stat(s.StagedPath()); err == nil {
		r.Staged = true
	}
	var err error
	if r.State, err = s.LastState(); err != nil {
		return r, err
	}
	if r.State != nil && r.State.Outcome == Applying {
		r.Progress, _ = s.LastProgress()
	}
	return r, nil
}

func (s *Stager) set(f func(st *Staging)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.staging)
	s.staging.Updated = time.Now().UTC()
}

// StageOptions change what Stage accepts.
type StageOptions struct {
	// AllowDowngrade stages a bundle built before the running system
	// (refused with ErrDowngrade otherwise), and records the override
	// for that bundle beside it (StagedOverridePath) so that the root
	// updater allows it too. Logged as a warning.
	AllowDowngrade bool
}

// StageURL downloads a bundle and stages it.
func (s *Stager) StageURL(ctx context.Context, url string, opt StageOptions) (*Manifest, error) {
	body, size, release, err := Download(ctx, s.Client, url)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.Stage(ctx, body, size, opt)
}

// Stage checks the bundle read from r (size bytes, -1 when unknown) and
// stages it.
func (s *Stager) Stage(ctx context.Context, r io.Reader, size int64, opt StageOptions) (*Manifest, error) {
	if !s.run.TryLock() {
		return nil, fmt.Errorf("%w: a bundle is being received", ErrBusy)
	}
	defer s.run.Unlock()
	s.mu.Lock()
	s.staging = &Staging{Phase: "receiving", Total: max(size, 0), Updated: time.Now().UTC()}
	s.mu.Unlock()
	m, tmp, err := s.stage(ctx, r, opt)
	if err == nil {
		// Renamed once the lock is released: the root unit starts as
		// soon as the file appears, and takes the lock.
		if err = publish(tmp, s.StagedPath()); err != nil {
			err = errors.Join(err, s.removeOverride())
		}
	}
	if tmp != "" {
		os.Remove(tmp)
	}
	s.set(func(st *Staging) {
		if err != nil {
			st.Phase, st.Error = "refused", err.Error()
			return
		}
		st.Phase, st.Version = "staged", m.Version
	})
	return m, err
}

// stage checks the bundle while copying it to a temporary file of the
// state directory, whose name it returns (to be removed by the caller).
func (s *Stager) stage(ctx context.Context, r io.Reader, opt StageOptions) (*Manifest, string, error) {
	u := &Updater{System: s.System, lenient: true}
	b, err := u.inspect()
	if err != nil {
		return nil, "", err
	}
	if b.booted != b.committed {
		return nil, "", fmt.Errorf("%w: running slot %s, config.txt boots slot %s", ErrTrial, b.booted, b.committed)
	}
	if err := oneTryFor(b.rel.Board).ready(s.System, true); err != nil {
		return nil, "", err
	}
	unlock, err := u.lock()
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	if _, err := os.Stat(s.StagedPath()); err == nil {
		return nil, "", fmt.Errorf("%w: a staged bundle waits to be applied", ErrBusy)
	}
	// An override left by a stage that failed after recording it is for
	// no bundle any more.
	if err := s.removeOverride(); err != nil {
		return nil, "", err
	}
	// The server runs with a private /dev (no by-label links): the root
	// updater checks the slot's size again; here it is checked when the
	// partition can be found.
	slotSize := int64(math.MaxInt64)
	if part, err := u.slotPartition(b.booted, b.booted.Other()); err == nil {
		slotSize = part.Size
	}
	keys, err := LoadTrustedKeys(s.path(KeysDir))
	if err != nil {
		return nil, "", err
	}
	tmp, err := os.CreateTemp(s.statePath(""), ".staging-*")
	if err != nil {
		return nil, "", fmt.Errorf("update: stage: %w", err)
	}
	defer tmp.Close()
	name := tmp.Name()
	counted := &countingWriter{w: tmp, s: s}
	// A failed write of the copy shows in the bundle reader's error
	// without its cause: the writer keeps it.
	fail := func(err error) error {
		if counted.err != nil {
			return noSpace(fmt.Errorf("update: stage: %w", counted.err))
		}
		return err
	}
	bundle, err := ReadBundle(io.TeeReader(ctxReader{ctx, r}, counted), keys)
	if err != nil {
		return nil, name, fail(err)
	}
	if err := bundle.Check(b.rel.Board, slotSize); err != nil {
		return nil, name, err
	}
	if err := checkDowngrade(logger(s.Log), b.rel, &bundle.Manifest, opt.AllowDowngrade); err != nil {
		return nil, name, err
	}
	s.set(func(st *Staging) { st.Version = bundle.Manifest.Version })
	for {
		p, err := bundle.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, name, fail(err)
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return nil, name, fail(err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return nil, name, noSpace(fmt.Errorf("update: stage: %w", err))
	}
	if err := tmp.Close(); err != nil {
		return nil, name, fmt.Errorf("update: stage: %w", err)
	}
	// The root updater checks the date again: the override goes with the
	// bundle, written before the bundle appears (that starts the unit).
	if m := &bundle.Manifest; opt.AllowDowngrade && older(b.rel, m) {
		data, err := jsonIndent(StagedOverride{Version: m.Version, Created: m.Created})
		if err != nil {
			return nil, name, err
		}
		if err := atomicfile.WriteFile(s.StagedOverridePath(), data, 0o644); err != nil {
			return nil, name, noSpace(fmt.Errorf("update: stage: %w", err))
		}
	}
	return &bundle.Manifest, name, nil
}

// publish renames the checked bundle to where the root unit looks.
func publish(tmp, staged string) error {
	if err := os.Rename(tmp, staged); err != nil {
		return fmt.Errorf("update: stage: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(staged)); err != nil {
		return fmt.Errorf("update: stage: %w", err)
	}
	return nil
}

// noSpace turns a full disk into ErrNoSpace.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, unix.EDQUOT) {
		return fmt.Errorf("%w: %v", ErrNoSpace, err)
	}
	return err
}

// countingWriter writes the received stream to the staging file and
// counts it for the report.
type countingWriter struct {
	w   io.Writer
	s   *Stager
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.s.set(func(st *Staging) { st.Done += int64(n) })
	if err != nil {
		c.err = err
	}
	return n, err
}
