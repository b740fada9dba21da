package update

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cozypi/cozy/pkg/atomicfile"
)

// Errors of applying an update (besides the bundle's).
var (
	// ErrTrial: this boot is the one-try boot of a new slot, not yet
	// committed; another update would write the committed slot.
	ErrTrial = errors.New("update: this boot is a trial of a new slot, not committed yet")
	// ErrBusy: another update is being applied or staged.
	ErrBusy = errors.New("update: another update is in progress")
	// ErrNoTryboot means the box cannot boot a new slot once (on a Pi, the
	// module that sets the firmware's tryboot flag is missing): nothing
	// is written.
	ErrNoTryboot = errors.New("update: this box cannot try a slot once")
)

// Updater applies bundles to the inactive slot and commits or rolls back
// the one-try boot of a written slot. Every path is read under Root ("/"
// on the box; a tree of files standing for the partitions in tests).
type Updater struct {
	System
	// Out receives one line per step, for the operator (nil: none).
	Out io.Writer
	// Reboot restarts the box; arg is the firmware's reboot parameter
	// ("0 tryboot") or "". Nil runs `systemctl reboot [arg]`.
	Reboot func(ctx context.Context, arg string) error
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Log receives the warnings an operator must be able to find later:
	// a downgrade override, a downgrade check that cannot hold (nil:
	// slog.Default).
	Log *slog.Logger

	lenient bool // the server's checks: config.txt may be out of reach
}

func (u *Updater) now() time.Time {
	if u.Now != nil {
		return u.Now().UTC()
	}
	return time.Now().UTC()
}

func (u *Updater) say(format string, args ...any) {
	if u.Out != nil {
		fmt.Fprintf(u.Out, format+"\n", args...)
	}
}

func (u *Updater) reboot(ctx context.Context, arg string) error {
	if u.Reboot != nil {
		return u.Reboot(ctx, arg)
	}
	args := []string{"reboot"}
	if arg != "" {
		args = append(args, arg)
	}
	if out, err := exec.CommandContext(ctx, "systemctl", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("update: systemctl reboot: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// box is what an update needs to know of the running system.
type box struct {
	rel       Release
	booted    Slot
	committed Slot
	bootID    string
}

func (u *Updater) inspect() (box, error) {
	var b box
	cmdline, err := os.ReadFile(u.path("/proc/cmdline"))
	if err != nil {
		return b, fmt.Errorf("update: %w", err)
	}
	if b.booted, err = SlotFromCmdline(string(cmdline)); err != nil {
		return b, err
	}
	f, err := os.Open(u.path(ReleaseFile))
	if err != nil {
		return b, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	if b.rel, err = ParseRelease(f); err != nil {
		return b, err
	}
	// The committed slot: the root updater must read it; the server may
	// not (its sandbox can keep it off the boot partition), and leaves
	// the check to the root updater.
	if u.lenient {
		b.committed = b.booted
		if cfg, err := os.ReadFile(u.bootPath(configFile)); err == nil {
			if s, _, err := osPrefix(string(cfg)); err == nil {
				b.committed = s
			}
		}
	} else if b.committed, err = u.committedSlot(); err != nil {
		return b, err
	}
	id, err := os.ReadFile(u.path("/proc/sys/kernel/random/boot_id"))
	if err != nil {
		return b, fmt.Errorf("update: boot id: %w", err)
	}
	b.bootID = strings.TrimSpace(string(id))
	return b, nil
}

// lock takes the update lock of StateDir (created, given to the owner of
// its parent: the server, which stages bundles there, runs as that
// user). The returned function releases it.
func (u *Updater) lock() (func(), error) {
	if err := u.ensureStateDir(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(u.statePath(lockFile), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("update: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("update: lock: %w", err)
	}
	return func() { f.Close() }, nil
}

func (u *Updater) ensureStateDir() error {
	dir := u.statePath("")
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if os.Geteuid() == 0 {
		if info, err := os.Stat(filepath.Dir(dir)); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				if err := os.Chown(dir, int(st.Uid), int(st.Gid)); err != nil {
					return fmt.Errorf("update: %w", err)
				}
			}
		}
	}
	return nil
}

// LastState reads state.json (nil when no update was ever applied).
func (u System) LastState() (*State, error) {
	var st State
	ok, err := readJSON(u.statePath(stateFile), &st)
	if !ok || err != nil {
		return nil, err
	}
	return &st, nil
}

// LastProgress reads progress.json (nil when none).
func (u System) LastProgress() (*Progress, error) {
	var p Progress
	ok, err := readJSON(u.statePath(progressFile), &p)
	if !ok || err != nil {
		return nil, err
	}
	return &p, nil
}

func (u *Updater) record(st *State) error {
	if err := u.ensureStateDir(); err != nil {
		return err
	}
	data, err := jsonIndent(st)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(u.statePath(stateFile), data, 0o644); err != nil {
		return fmt.Errorf("update: record state: %w", err)
	}
	return nil
}

// progress writes progress.json at most once a second, or at once when
// force (phase changes).
type progress struct {
	u     *Updater
	p     Progress
	last  time.Time
	shown int // last percentage printed
}

func (pr *progress) phase(name string, total int64) {
	pr.p.Phase, pr.p.Done, pr.p.Total = name, 0, total
	pr.shown = -10
	pr.flush(true)
}

func (pr *progress) add(n int64) {
	pr.p.Done += n
	pr.flush(false)
}

func (pr *progress) flush(force bool) {
	now := pr.u.now()
	pct := pr.p.Percent()
	if pr.p.Phase == "root" && pct/10 != pr.shown/10 {
		pr.shown = pct
		pr.u.say("  root: %3d%% (%d of %d MiB)", pct, pr.p.Done>>20, pr.p.Total>>20)
	}
	if !force && now.Sub(pr.last) < time.Second {
		return
	}
	pr.last = now
	pr.p.Updated = now
	if data, err := jsonIndent(pr.p); err == nil {
		// Progress is advisory: a failed write must not fail the update.
		_ = atomicfile.WriteFile(pr.u.statePath(progressFile), data, 0o644)
	}
}

// ApplyOptions change how Apply ends.
type ApplyOptions struct {
	// NoReboot leaves the one-try boot armed without rebooting: on a Pi
	// the operator then runs `systemctl reboot "0 tryboot"`; on board
	// qemu any reboot tries the slot.
	NoReboot bool
	// AllowDowngrade installs a bundle built before the running system
	// (refused with ErrDowngrade otherwise). Logged as a warning.
	AllowDowngrade bool
	// Staged is the override the server recorded with the bundle it
	// staged (System.StagedOverride): it allows the downgrade to that
	// bundle only, the same version and build date.
	Staged *StagedOverride
}

// Apply reads a bundle from r and installs it in the slot not running:
// the signature, board, size and build date (no downgrade unless
// opt allows it) are checked before anything is written;
// the boot files go to slot-<x>/ of the boot partition and the root image
// to the slot's partition, both hashed while written; then tryboot.txt
// names the slot, the state says "trying" and the one-try boot is armed.
// A bad bundle is refused with nothing written to the slot or the boot
// partition. Whatever happens (error, crash, power loss), config.txt is
// untouched: the committed slot stays the one a normal boot starts.
func (u *Updater) Apply(ctx context.Context, r io.Reader, opt ApplyOptions) (*State, error) {
	unlock, err := u.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	b, err := u.inspect()
	if err != nil {
		return nil, err
	}
	if b.booted != b.committed {
		return nil, fmt.Errorf("%w: running slot %s, config.txt boots slot %s; `cozy box commit` decides first", ErrTrial, b.booted, b.committed)
	}
	try := oneTryFor(b.rel.Board)
	if err := try.ready(u.System, false); err != nil {
		return nil, err
	}
	target := b.booted.Other()
	part, err := u.slotPartition(b.booted, target)
	if err != nil {
		return nil, err
	}
	st := &State{FromVersion: b.rel.Version, FromSlot: b.booted, Slot: target, Started: u.now()}
	pr := &progress{u: u}
	pr.phase("verifying", 0)
	keys, err := LoadTrustedKeys(u.path(KeysDir))
	if err != nil {
		return nil, err
	}
	bundle, err := ReadBundle(r, keys)
	if err == nil {
		st.Version = bundle.Manifest.Version
		err = bundle.Check(b.rel.Board, part.Size)
	}
	if err == nil {
		allow := opt.AllowDowngrade || opt.Staged.matches(&bundle.Manifest)
		err = checkDowngrade(logger(u.Log), b.rel, &bundle.Manifest, allow)
	}
	if err != nil {
		if last, _ := u.LastState(); last != nil && last.Outcome == Trying {
			return st, err // a slot armed for the next boot keeps its record
		}
		st.Outcome, st.Error = Refused, err.Error()
		fin := u.now()
		st.Finished = &fin
		pr.phase("refused", 0)
		return st, errors.Join(err, u.record(st))
	}
	m := &bundle.Manifest
	u.say("bundle: cozy %s for %s (kernel %s, built %s), signed by trusted key %d", m.Version, m.Board, m.Kernel, m.Created.Format(time.RFC3339), bundle.Signer+1)
	st.Outcome = Applying
	if err := u.record(st); err != nil {
		return st, err
	}
	if err := u.write(ctx, bundle, b, target, part, pr); err != nil {
		st.Outcome, st.Error = Aborted, err.Error()
		fin := u.now()
		st.Finished = &fin
		pr.phase("error", 0)
		u.say("update failed, slot %s left invalid (the box still boots slot %s): %v", target, b.booted, err)
		return st, errors.Join(err, u.record(st))
	}
	written := u.now()
	st.Outcome, st.Written, st.BootID = Trying, &written, b.bootID
	if err := u.record(st); err != nil {
		return st, err
	}
	if try.flagFile {
		if err := atomicfile.WriteFile(u.bootPath(tryFlag), nil, 0o644); err != nil {
			return st, fmt.Errorf("update: arm the one-try boot: %w", err)
		}
	}
	unix.Sync()
	pr.phase("done", 0)
	if opt.NoReboot {
		if try.flagFile {
			u.say("slot %s holds cozy %s; the next reboot tries it once (`cozy box commit` keeps it when healthy)", target, m.Version)
		} else {
			u.say("slot %s holds cozy %s; try it once with: systemctl reboot \"%s\"", target, m.Version, try.rebootArg)
		}
		return st, nil
	}
	u.say("slot %s holds cozy %s; rebooting to try it once", target, m.Version)
	return st, u.reboot(ctx, try.rebootArg)
}

// write installs the payloads of bundle into slot target.
func (u *Updater) write(ctx context.Context, bundle *Reader, b box, target Slot, part Partition, pr *progress) error {
	// First, nothing may point at the slot any more: a crash from here
	// on leaves a slot that no boot selects.
	for _, name := range []string{tryFile, tryFlag, filepath.Join(slotDir(target), "version")} {
		if err := os.Remove(u.bootPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("boot partition: %w", err)
		}
	}
	dir := u.bootPath(slotDir(target))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	if err := atomicfile.SyncDir(u.bootPath("")); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	m := &bundle.Manifest
	var bootTotal int64
	for _, f := range m.Boot {
		bootTotal += f.Size
	}
	u.say("writing slot %s: %d boot files (%d KiB) to %s/, root image (%d MiB) to %s", target, len(m.Boot), bootTotal>>10, filepath.Join(BootDir, slotDir(target)), m.Root.Size>>20, part.Device)
	pr.p.Version = m.Version
	pr.phase("boot", bootTotal)
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := bundle.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if p.IsRoot() {
			if err := u.writeRoot(ctx, p, target, part, pr, buf); err != nil {
				return err
			}
			continue
		}
		if p.Name == "version" {
			// Verified here, written last (below) as the mark of a
			// complete slot.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return err
			}
			continue
		}
		if err := writeBootFile(filepath.Join(dir, p.Name), p, target, buf); err != nil {
			return err
		}
		pr.add(p.Size)
	}
	pr.phase("finishing", 0)
	if err := atomicfile.SyncDir(dir); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	// The version file is the slot directory's last file: status reads a
	// slot without one as invalid.
	if err := atomicfile.WriteFile(filepath.Join(dir, "version"), []byte(m.Version+"\n"), 0o644); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	cfg, err := u.readConfig()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(u.bootPath(tryFile), []byte(withOSPrefix(cfg, target)), 0o644); err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	return nil
}

// writeBootFile writes one boot file, the slot letter put into
// cmdline.txt, and syncs it.
func writeBootFile(dst string, p *Payload, target Slot, buf []byte) error {
	var src io.Reader = p
	if p.Name == "cmdline.txt" {
		data, err := io.ReadAll(p) // at most maxCmdline, checked with the manifest
		if err != nil {
			return err
		}
		src = strings.NewReader(strings.ReplaceAll(string(data), Placeholder, string(target)))
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("boot partition: %w", err)
	}
	_, err = io.CopyBuffer(onlyWriter{f}, src, buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("boot partition: %w", cerr)
	}
	return err
}

// onlyWriter hides a file's ReadFrom so that copies go through the
// buffer given (and the hashing reader's checks).
type onlyWriter struct{ io.Writer }

// progressWriter counts what goes to the slot.
type progressWriter struct {
	w  io.Writer
	pr *progress
}

func (w progressWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.pr.add(int64(n))
	return n, err
}

// writeRoot writes the root image to the slot's partition, gives the file
// system the slot's label and syncs the device.
func (u *Updater) writeRoot(ctx context.Context, p *Payload, target Slot, part Partition, pr *progress, buf []byte) error {
	// O_EXCL on a block device fails when it is mounted: never the
	// running root, whatever the labels say.
	dev, err := os.OpenFile(u.path(part.Device), os.O_RDWR|os.O_EXCL, 0)
	if err != nil {
		return fmt.Errorf("slot %s: %w", target, err)
	}
	defer dev.Close()
	pr.phase("root", p.Size)
	start := u.now()
	if _, err := io.CopyBuffer(progressWriter{dev, pr}, ctxReader{ctx, p}, buf); err != nil {
		return fmt.Errorf("slot %s: %w", target, err)
	}
	if err := setExt4Label(dev, target.Label()); err != nil {
		return fmt.Errorf("slot %s: label: %w", target, err)
	}
	if err := dev.Sync(); err != nil {
		return fmt.Errorf("slot %s: sync: %w", target, err)
	}
	if err := dev.Close(); err != nil {
		return fmt.Errorf("slot %s: %w", target, err)
	}
	secs := u.now().Sub(start).Seconds()
	rate := ""
	if secs > 0 {
		rate = fmt.Sprintf(", %.1f MiB/s", float64(p.Size)/(1<<20)/secs)
	}
	u.say("root image written and verified (sha256), labelled %s (%.1f s%s)", target.Label(), secs, rate)
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// slotPartition finds the partition of slot target: the sibling of the
// booted root's partition (slot a is partition 2, slot b partition 3 of
// the same disk; an empty slot has no label to find it by).
func (u *Updater) slotPartition(booted, target Slot) (Partition, error) {
	link, err := os.Readlink(u.path("/dev/disk/by-label/" + booted.Label()))
	if err != nil {
		return Partition{}, fmt.Errorf("update: the running root's partition: %w", err)
	}
	name := filepath.Base(link)
	num, err := u.sysfsInt(name, "partition")
	if err != nil {
		return Partition{}, err
	}
	if num != slotNumber(booted) {
		return Partition{}, fmt.Errorf("update: the running root %s is partition %d, not %d", name, num, slotNumber(booted))
	}
	other := strings.TrimSuffix(name, strconv.Itoa(num)) + strconv.Itoa(slotNumber(target))
	if n, err := u.sysfsInt(other, "partition"); err != nil || n != slotNumber(target) {
		return Partition{}, fmt.Errorf("update: no partition %s for slot %s beside %s", other, target, name)
	}
	sectors, err := u.sysfsInt(other, "size")
	if err != nil {
		return Partition{}, err
	}
	return Partition{Label: target.Label(), Device: "/dev/" + other, Size: int64(sectors) * 512}, nil
}

func slotNumber(s Slot) int {
	if s == SlotA {
		return 2
	}
	return 3
}

func (u *Updater) sysfsInt(name, attr string) (int, error) {
	raw, err := os.ReadFile(u.path("/sys/class/block/" + name + "/" + attr))
	if err != nil {
		return 0, fmt.Errorf("update: %s of %s: %w", attr, name, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0, fmt.Errorf("update: %s of %s: %w", attr, name, err)
	}
	return n, nil
}

// StagedPath is where the server stages a checked bundle for the root
// unit to apply.
func (u System) StagedPath() string { return u.statePath(StagedFile) }
