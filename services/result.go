package services

import (
	"errors"
	"time"
)

// Typed errors a Result may carry (test them with errors.Is).
var (
	// ErrTimeLimit: the script was still running at the wall time limit.
	ErrTimeLimit = errors.New("service stopped: wall time limit exceeded")
	// ErrMemoryLimit: the script went over its memory limit.
	ErrMemoryLimit = errors.New("service stopped: memory limit exceeded")
	// ErrOutputLimit: the script logged more than its output limit.
	ErrOutputLimit = errors.New("service stopped: output limit exceeded")
	// ErrExit: the script called process.exit with a non-zero code.
	ErrExit = errors.New("service exited with a non-zero code")
)

// ScriptError is an exception the script threw and did not catch, or a
// promise rejection it never handled.
type ScriptError struct {
	Message string // e.g. "TypeError: x is not a function"
	Stack   string // the JS stack trace, when there is one
}

// Error implements error.
func (e *ScriptError) Error() string { return "service failed: " + e.Message }

// Log levels of a LogLine, named as upstream konnector events name them.
const (
	LevelDebug   = "debug"
	LevelInfo    = "info"
	LevelWarning = "warning"
	LevelError   = "error"
)

// LogLine is one console call of the script.
type LogLine struct {
	Time    time.Time
	Level   string // LevelDebug, LevelInfo, LevelWarning or LevelError
	Message string
}

// Result is the outcome of one run.
type Result struct {
	// Logs holds the script's console output in order.
	Logs []LogLine
	// Err is nil on success, else ErrTimeLimit, ErrMemoryLimit,
	// ErrOutputLimit, ErrExit (possibly wrapped, use errors.Is), a
	// *ScriptError, or another error when the sandbox itself failed.
	Err error
	// PeakRSS is the child's maximum resident set size in bytes.
	PeakRSS int64
	// Duration is the wall time from starting the child to its exit.
	Duration time.Duration
}
