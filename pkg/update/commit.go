package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/atomicfile"
)

// DefaultCommitDeadline is how long a trial boot has to become healthy.
const DefaultCommitDeadline = 5 * time.Minute

// deadlineArg on the kernel command line overrides the deadline (in
// seconds): the QEMU test uses a short one.
const deadlineArg = "cozy.commit_deadline="

// CommitOptions tune Commit.
type CommitOptions struct {
	// Deadline for the trial to become healthy (0: the kernel command
	// line's cozy.commit_deadline, else DefaultCommitDeadline).
	Deadline time.Duration
	// Health reports nil when the new system is healthy (nil: the
	// server's unit is active, which it is after READY=1, and its
	// /status answers OK; see Healthy).
	Health func(ctx context.Context) error
	// Interval between health checks (0: 2 s).
	Interval time.Duration
}

// Commit runs at every boot (cozy-update-commit.service) and decides the
// fate of a trial boot. When the booted slot is not the one config.txt
// starts, this boot is the one try of a new slot: once healthy before the
// deadline, config.txt is rewritten to boot it from now on (atomically)
// and the update is committed; unhealthy at the deadline, the failure is
// recorded and the box reboots normally, which starts the committed slot.
// On a normal boot, Commit records that a slot tried earlier was rolled
// back (the trial failed, crashed or never came up).
func (u *Updater) Commit(ctx context.Context, opt CommitOptions) (*State, error) {
	unlock, err := u.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	b, err := u.inspect()
	if err != nil {
		return nil, err
	}
	st, err := u.LastState()
	if err != nil {
		return nil, err
	}
	if b.booted == b.committed {
		return st, u.settle(b, st)
	}

	deadline := opt.Deadline
	if deadline <= 0 {
		deadline = u.cmdlineDeadline()
	}
	version := u.slotVersion(b.booted)
	u.say("commit: trial boot of slot %s (cozy %s); slot %s is the committed one; waiting up to %s for health", b.booted, version, b.committed, deadline)
	if st == nil || st.Slot != b.booted {
		// A trial nobody recorded (a state lost, a manual tryboot):
		// decide on health all the same.
		st = &State{Version: version, Slot: b.booted, FromSlot: b.committed, Outcome: Trying, Started: u.now()}
	}
	health := opt.Health
	if health == nil {
		health = Healthy("cozy.service", "http://127.0.0.1/status")
	}
	if err := u.waitHealthy(ctx, health, deadline, opt.Interval); err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err() // stopped (shutdown): the next boot decides
		}
		st.Outcome, st.Error = Failed, fmt.Sprintf("slot %s not healthy within %s: %v", b.booted, deadline, err)
		fin := u.now()
		st.Finished = &fin
		u.say("commit: failed: %s", st.Error)
		if rerr := u.record(st); rerr != nil {
			return st, rerr
		}
		u.say("rollback: rebooting into slot %s", b.committed)
		return st, u.reboot(ctx, "")
	}
	cfg, err := u.readConfig()
	if err != nil {
		return st, err
	}
	if err := atomicfile.WriteFile(u.bootPath(configFile), []byte(withOSPrefix(cfg, b.booted)), 0o644); err != nil {
		return st, fmt.Errorf("update: commit: %w", err)
	}
	u.cleanTry()
	st.Outcome, st.Error = Committed, ""
	fin := u.now()
	st.Finished = &fin
	if err := u.record(st); err != nil {
		return st, err
	}
	u.say("commit: committed slot %s (cozy %s): config.txt now boots %s/", b.booted, version, slotDir(b.booted))
	return st, nil
}

// settle handles a normal boot (the booted slot is config.txt's): it
// closes the record of an update whose trial is over.
func (u *Updater) settle(b box, st *State) error {
	if st == nil {
		u.say("commit: slot %s is committed; no update recorded", b.booted)
		return nil
	}
	if st.BootID == b.bootID && st.Outcome == Trying {
		u.say("commit: slot %s is armed for the next boot; nothing to decide yet", st.Slot)
		return nil
	}
	fin := u.now()
	switch {
	case (st.Outcome == Trying || st.Outcome == Failed) && st.Slot != b.booted:
		if st.Error == "" {
			st.Error = fmt.Sprintf("slot %s did not come up healthy; the firmware went back to slot %s", st.Slot, b.booted)
		}
		st.Outcome, st.Finished = RolledBack, &fin
		u.cleanTry()
		u.say("commit: rolled back: cozy %s in slot %s was not committed (%s); running slot %s (cozy %s)", st.Version, st.Slot, st.Error, b.booted, b.rel.Version)
	case st.Outcome == Trying && st.Slot == b.booted:
		// config.txt was rewritten but the record was not: finish it.
		st.Outcome, st.Finished = Committed, &fin
		u.cleanTry()
		u.say("commit: slot %s (cozy %s) is committed", b.booted, st.Version)
	case st.Outcome == Applying && st.BootID != b.bootID:
		st.Outcome, st.Error, st.Finished = Aborted, "interrupted while writing slot "+string(st.Slot)+" (crash or power loss)", &fin
		u.say("commit: the update to cozy %s was interrupted; slot %s stays", st.Version, b.booted)
	default:
		u.say("commit: slot %s is committed (cozy %s); last update: %s", b.booted, b.rel.Version, st.Outcome)
		return nil
	}
	return u.record(st)
}

// cleanTry removes what arms a one-try boot; leftovers would be harmless
// (tryboot.txt is read only with the firmware's flag) but misleading.
func (u *Updater) cleanTry() {
	for _, name := range []string{tryFile, tryFlag} {
		if err := os.Remove(u.bootPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			u.say("commit: %v", err)
		}
	}
	_ = atomicfile.SyncDir(u.bootPath(""))
}

// waitHealthy checks health every interval until it passes or deadline.
// It prints the reason when it changes, so the console tells what a trial
// waits for.
func (u *Updater) waitHealthy(ctx context.Context, health func(context.Context) error, deadline, interval time.Duration) error {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	ctx2, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last error
	for {
		err := health(ctx2)
		if err == nil {
			u.say("commit: healthy: cozy.service active and /status OK")
			return nil
		}
		if ctx2.Err() != nil && last != nil {
			err = last // cut by the deadline: the last complete answer says more
		}
		if last == nil || err.Error() != last.Error() {
			u.say("commit: waiting: %v", err)
		}
		last = err
		select {
		case <-ctx2.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return last
		case <-t.C:
		}
	}
}

// cmdlineDeadline reads cozy.commit_deadline=SECONDS from the kernel
// command line.
func (u *Updater) cmdlineDeadline() time.Duration {
	raw, err := os.ReadFile(u.path("/proc/cmdline"))
	if err != nil {
		return DefaultCommitDeadline
	}
	for _, arg := range strings.Fields(string(raw)) {
		if v, ok := strings.CutPrefix(arg, deadlineArg); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return DefaultCommitDeadline
}

// slotVersion reads the version file of a slot's boot directory ("" when
// the slot has none: never written, or being written).
func (u System) slotVersion(s Slot) string {
	data, err := os.ReadFile(u.bootPath(slotDir(s) + "/version"))
	if err != nil || len(data) > 128 {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// Healthy is the health of the box's server: its systemd unit is active
// (a Type=notify unit is active only after READY=1) and its /status
// answers {"status":"OK"}.
func Healthy(unit, statusURL string) func(ctx context.Context) error {
	client := &http.Client{Timeout: 10 * time.Second}
	return func(ctx context.Context) error {
		out, err := exec.CommandContext(ctx, "systemctl", "is-active", unit).Output()
		if state := strings.TrimSpace(string(out)); state != "active" {
			if state == "" && err != nil {
				return fmt.Errorf("systemctl is-active %s: %w", unit, err)
			}
			return fmt.Errorf("%s is %s", unit, state)
		}
		return statusOK(ctx, client, statusURL)
	}
}

// statusOK asks GET /status and wants {"status":"OK"}.
func statusOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("/status: %w", err)
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("/status: %w", err)
	}
	if err := json.Unmarshal(data, &body); err != nil || res.StatusCode != http.StatusOK || body.Status != "OK" {
		return fmt.Errorf("/status answered HTTP %d: %.200s", res.StatusCode, strings.TrimSpace(string(data)))
	}
	return nil
}
