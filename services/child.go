package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// regexpTimeout bounds one regexp match in the child: the backtracking
// engine does not see interrupts.
const regexpTimeout = 500 * time.Millisecond

// IsChild reports whether this process was started by a Runner as a
// sandbox child. cmd/cozy's main calls it before anything else:
//
//	if services.IsChild() { services.ChildMain(); return }
func IsChild() bool {
	return len(os.Args) > 1 && os.Args[1] == childArg
}

// ChildMain runs the sandbox child: it reads the spec from stdin, limits
// its own memory, runs the script and writes frames to stdout. It exits the
// process.
func ChildMain() {
	os.Exit(childMain(os.Stdin, os.Stdout))
}

// childMain is ChildMain without the exit; it returns the exit status.
func childMain(in io.Reader, out io.Writer) int {
	fw := &frameWriter{w: out}
	fail := func(err error) int {
		_ = fw.end(frame{Status: statusInternal, Message: err.Error()})
		return 3
	}
	data, err := io.ReadAll(io.LimitReader(in, maxSpecBytes+1))
	if err != nil {
		return fail(fmt.Errorf("reading the spec: %w", err))
	}
	if len(data) > maxSpecBytes {
		return fail(fmt.Errorf("spec larger than %d bytes", maxSpecBytes))
	}
	var spec wireSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fail(fmt.Errorf("decoding the spec: %w", err))
	}
	data = nil
	if spec.Wall <= 0 || spec.MemoryBytes < minMemoryBytes || spec.OutputBytes <= 0 {
		return fail(fmt.Errorf("spec has invalid limits (wall %v, memory %d, output %d)", spec.Wall, spec.MemoryBytes, spec.OutputBytes))
	}
	if err := limitMemory(spec.MemoryBytes); err != nil {
		return fail(err)
	}
	regexp2.DefaultMatchTimeout = regexpTimeout
	end := runSandbox(context.Background(), spec, out, true)
	if err := (&frameWriter{w: out}).end(end); err != nil {
		return 4
	}
	return 0
}

// limitMemory sets the hard limits of this process and a soft Go memory
// limit at 75 % of bytes, so the GC works hard before the wall.
//
// RLIMIT_DATA alone lets one huge allocation through: the Go runtime first
// reserves address space (PROT_NONE, not counted) and the kernel does not
// count pages already reserved when they become writable, so a single 1 GiB
// string could be committed once, and the GC sometimes crashed (SIGSEGV)
// instead of reporting out of memory. An address-space limit of the current
// size plus twice the data limit refuses such a reservation up front, with
// Go's "out of memory" message, and leaves ordinary heap growth to
// RLIMIT_DATA.
func limitMemory(bytes int64) error {
	if raceBuild {
		debug.SetMemoryLimit(bytes / 4 * 3)
		return nil
	}
	lim := &syscall.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	if err := syscall.Setrlimit(syscall.RLIMIT_DATA, lim); err != nil {
		return fmt.Errorf("setting RLIMIT_DATA to %d: %w", bytes, err)
	}
	size, err := vmSize()
	if err != nil {
		return err
	}
	as := size + 2*uint64(bytes)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: as, Max: as}); err != nil {
		return fmt.Errorf("setting RLIMIT_AS to %d: %w", as, err)
	}
	debug.SetMemoryLimit(bytes / 4 * 3)
	return nil
}

// vmSize returns this process's current address-space size in bytes.
func vmSize() (uint64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("reading the address-space size: %w", err)
	}
	return parseVmSize(string(status))
}

// parseVmSize extracts VmSize from the text of /proc/<pid>/status.
func parseVmSize(status string) (uint64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmSize:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			break
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			break
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmSize line in /proc/self/status")
}

// LimitMemory applies the sandbox's memory limits (see limitMemory) to the
// calling process. Other children of this binary (the query server of
// services/queryserver) call it first thing, so that they are bounded as
// a service run is.
func LimitMemory(bytes int64) error { return limitMemory(bytes) }

// ChildEnv returns the environment a child of this binary is started
// with: nothing of the parent's (a race build asks its runtime not to
// sleep at exit).
func ChildEnv() []string {
	if raceBuild {
		return []string{"GORACE=atexit_sleep_ms=0"}
	}
	return []string{}
}

// IsOutOfMemory reports whether a child's stderr shows that it died at its
// memory limit.
func IsOutOfMemory(stderr string) bool { return isOutOfMemory(stderr) }
