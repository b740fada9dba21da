package services

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultKillGrace is how long the parent waits after the wall time limit
// (when the child should have stopped itself) before it kills the child.
const DefaultKillGrace = 500 * time.Millisecond

// stderrKeepBytes is how much of the child's stderr the parent keeps.
const stderrKeepBytes = 8 << 10

// Runner starts sandbox children. The zero value is ready to use; a Runner
// is safe for concurrent use and keeps no state between runs.
type Runner struct {
	// Executable is the binary started as the child; it must call
	// IsChild/ChildMain first thing. Empty means os.Executable().
	Executable string
	// KillGrace is the delay between the wall time limit and the kill.
	// Zero means DefaultKillGrace.
	KillGrace time.Duration
	// Logger receives one line per run. Nil means no logging.
	Logger *slog.Logger
	// ScratchDir is where each run's scratch directory (the only one the
	// fs module reaches) is created, and removed after the run. Empty
	// means os.TempDir().
	ScratchDir string
}

// Run starts a child for spec, streams the spec to it, collects its logs
// and enforces the limits. It never panics and always returns a Result;
// Result.Err says how the run ended.
func (r *Runner) Run(ctx context.Context, spec Spec) Result {
	start := time.Now()
	res := r.run(ctx, spec)
	res.Duration = time.Since(start)
	if r.Logger != nil {
		r.Logger.LogAttrs(ctx, slog.LevelInfo, "service run",
			slog.String("name", spec.Name), slog.Duration("duration", res.Duration),
			slog.Int64("peak_rss", res.PeakRSS), slog.Int("log_lines", len(res.Logs)),
			slog.Any("error", res.Err))
	}
	return res
}

// kill reasons, first one wins.
const (
	killNone = iota
	killTime
	killOutput
	killProtocol
	killContext
)

func (r *Runner) run(ctx context.Context, spec Spec) (res Result) {
	spec, err := spec.normalize()
	if err != nil {
		res.Err = fmt.Errorf("sandbox: %w", err)
		return res
	}
	exe := r.Executable
	if exe == "" {
		exe, err = os.Executable()
	} else {
		// The child runs in "/": resolve a relative path here.
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		res.Err = fmt.Errorf("sandbox: finding the executable: %w", err)
		return res
	}
	// The scratch directory is the parent's: it is removed after the
	// child is gone, however the child ended.
	scratch, err := os.MkdirTemp(r.ScratchDir, "cozy-service-")
	if err != nil {
		res.Err = fmt.Errorf("sandbox: creating the scratch directory: %w", err)
		return res
	}
	defer func() {
		if err := os.RemoveAll(scratch); err != nil && r.Logger != nil {
			r.Logger.Warn("sandbox: removing the scratch directory", "dir", scratch, "error", err)
		}
	}()
	if scratch, err = filepath.Abs(scratch); err != nil {
		res.Err = fmt.Errorf("sandbox: %w", err)
		return res
	}
	payload, err := json.Marshal(wireSpec{
		Name:         spec.Name,
		Script:       spec.Script,
		Env:          spec.Env.Map(),
		Wall:         spec.Limits.Wall,
		MemoryBytes:  spec.Limits.MemoryBytes,
		OutputBytes:  spec.Limits.OutputBytes,
		Origins:      spec.AllowedOrigins,
		Scratch:      scratch,
		ScratchBytes: spec.Limits.ScratchBytes,
	})
	if err != nil {
		res.Err = fmt.Errorf("sandbox: encoding the spec: %w", err)
		return res
	}

	cmd := exec.Command(exe, childArg)
	cmd.Env = []string{} // never the parent's environment
	if raceBuild {
		// The race runtime sleeps a second at exit unless told not to.
		cmd.Env = []string{"GORACE=atexit_sleep_ms=0"}
	}
	cmd.Dir = "/"
	cmd.Stdin = bytes.NewReader(payload)
	stderr := &headBuffer{max: stderrKeepBytes}
	cmd.Stderr = stderr
	// Its own process group, so that a kill reaches anything it started;
	// killed with the server if the server dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Do not wait forever for pipes held open by a stray grandchild.
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		res.Err = fmt.Errorf("sandbox: %w", err)
		return res
	}
	if err := cmd.Start(); err != nil {
		res.Err = fmt.Errorf("sandbox: starting %s: %w", exe, err)
		return res
	}

	var (
		killOnce   sync.Once
		killReason = killNone
	)
	kill := func(reason int) {
		killOnce.Do(func() {
			killReason = reason
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Process.Kill()
		})
	}

	var (
		end      *frame
		readErr  error
		readDone = make(chan struct{})
	)
	go func() {
		defer close(readDone)
		res.Logs, end, readErr = readFrames(stdout, spec.Limits.OutputBytes+endSlackBytes)
		if readErr != nil {
			if errors.Is(readErr, errOutputOverflow) {
				kill(killOutput)
			} else {
				kill(killProtocol)
			}
			_, _ = io.Copy(io.Discard, stdout)
		}
	}()

	deadline := time.NewTimer(spec.Limits.Wall + r.killGrace())
	defer deadline.Stop()
	select {
	case <-readDone:
	case <-deadline.C:
		kill(killTime)
		<-readDone
	case <-ctx.Done():
		kill(killContext)
		<-readDone
	}
	waitErr := cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.PeakRSS = ru.Maxrss * 1024
	}
	res.Err = classify(killReason, end, readErr, waitErr, stderr.String(), ctx.Err(), nearLimit(res.PeakRSS, spec.Limits.MemoryBytes))
	return res
}

func (r *Runner) killGrace() time.Duration {
	if r.KillGrace > 0 {
		return r.KillGrace
	}
	return DefaultKillGrace
}

// nearLimit reports whether a child's peak RSS reached half its memory
// limit. Under that pressure the Go runtime does not always die with "out
// of memory": an allocation refused by the rlimits can also end it with a
// segmentation fault in its own code (seen about once in twenty runs).
func nearLimit(peakRSS, limit int64) bool { return limit > 0 && peakRSS >= limit/2 }

// classify turns how the child ended into Result.Err. nearMemoryLimit says
// that the child's peak RSS came close to its limit.
func classify(killReason int, end *frame, readErr, waitErr error, stderr string, ctxErr error, nearMemoryLimit bool) error {
	switch killReason {
	case killTime:
		return fmt.Errorf("%w: the child did not stop by itself and was killed", ErrTimeLimit)
	case killOutput:
		return fmt.Errorf("%w: the child was killed", ErrOutputLimit)
	case killContext:
		return fmt.Errorf("sandbox: run cancelled: %w", ctxErr)
	case killProtocol:
		return fmt.Errorf("sandbox: bad output from the child: %w", readErr)
	}
	if end != nil {
		switch end.Status {
		case statusOK:
			return nil
		case statusTime:
			return fmt.Errorf("%w: %s", ErrTimeLimit, end.Message)
		case statusMemory:
			return fmt.Errorf("%w: %s", ErrMemoryLimit, end.Message)
		case statusOutput:
			return fmt.Errorf("%w: %s", ErrOutputLimit, end.Message)
		case statusExit:
			return fmt.Errorf("%w: %s", ErrExit, end.Message)
		case statusScript:
			return &ScriptError{Message: end.Message, Stack: end.Stack}
		default:
			return fmt.Errorf("sandbox: child failed: %s", end.Message)
		}
	}
	if isOutOfMemory(stderr) {
		return fmt.Errorf("%w: the child ran out of memory", ErrMemoryLimit)
	}
	if waitErr != nil && nearMemoryLimit {
		first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
		return fmt.Errorf("%w: the child died at its memory limit (%s)", ErrMemoryLimit, first)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	if waitErr != nil {
		return fmt.Errorf("sandbox: child died (%v) without a result: %s", waitErr, first)
	}
	return fmt.Errorf("sandbox: child exited without a result: %s", first)
}

// isOutOfMemory recognises the Go runtime's messages when an allocation
// hits RLIMIT_DATA.
func isOutOfMemory(stderr string) bool {
	for _, s := range []string{"out of memory", "cannot allocate memory", "errno=12", "pthread_create failed"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// errOutputOverflow: the child wrote more than it may.
var errOutputOverflow = errors.New("output overflow")

// readFrames reads frames until EOF or the end frame, failing with
// errOutputOverflow past max bytes.
func readFrames(r io.Reader, max int64) (logs []LogLine, end *frame, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var total int64
	for {
		line, rerr := readLine(br, max-total)
		total += int64(len(line))
		if len(line) > 0 {
			var f frame
			if jerr := json.Unmarshal(line, &f); jerr != nil {
				return logs, nil, fmt.Errorf("undecodable frame: %w", jerr)
			}
			switch f.Kind {
			case "log":
				logs = append(logs, LogLine{Time: time.Unix(0, f.Time), Level: f.Level, Message: f.Message})
			case "end":
				return logs, &f, nil
			default:
				return logs, nil, fmt.Errorf("unknown frame kind %q", f.Kind)
			}
		}
		if rerr == io.EOF {
			return logs, nil, nil
		}
		if rerr != nil {
			return logs, nil, rerr
		}
	}
}

// readLine reads one line of at most max bytes.
func readLine(br *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if int64(len(line)) > max {
			return nil, errOutputOverflow
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// headBuffer keeps the first max bytes written to it and drops the rest.
type headBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

// Write implements io.Writer; it never fails.
func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// String returns what was kept.
func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.buf)
}
