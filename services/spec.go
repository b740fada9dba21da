package services

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Default limits applied by Spec.Limits fields left at zero.
const (
	DefaultWall        = 60 * time.Second
	DefaultMemoryBytes = 256 << 20
	DefaultOutputBytes = 1 << 20
	// DefaultScratchBytes caps what a run writes into its scratch directory.
	DefaultScratchBytes = 64 << 20
	// MaxScriptBytes is the largest bundle a Spec may carry.
	MaxScriptBytes = 32 << 20
	// minMemoryBytes is the smallest memory limit a Go child can start with.
	minMemoryBytes = 64 << 20
)

// Limits bounds one run. Zero fields take the Default* values.
type Limits struct {
	// Wall is the wall-clock time the script may run, timers included.
	Wall time.Duration
	// MemoryBytes is the hard limit of the child's data segment (RLIMIT_DATA).
	MemoryBytes int64
	// OutputBytes caps the log frames the child may write.
	OutputBytes int64
	// ScratchBytes caps the bytes the script writes through the fs module
	// into its scratch directory, over the whole run.
	ScratchBytes int64
}

// withDefaults returns l with zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	if l.Wall == 0 {
		l.Wall = DefaultWall
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = DefaultOutputBytes
	}
	if l.ScratchBytes == 0 {
		l.ScratchBytes = DefaultScratchBytes
	}
	return l
}

// validate reports limits that cannot be enforced.
func (l Limits) validate() error {
	switch {
	case l.Wall < 0:
		return fmt.Errorf("wall time limit %v is negative", l.Wall)
	case l.MemoryBytes < 0:
		return fmt.Errorf("memory limit %d is negative", l.MemoryBytes)
	case l.MemoryBytes > 0 && l.MemoryBytes < minMemoryBytes:
		return fmt.Errorf("memory limit %d is below the %d bytes a child needs to start", l.MemoryBytes, minMemoryBytes)
	case l.OutputBytes < 0:
		return fmt.Errorf("output limit %d is negative", l.OutputBytes)
	case l.ScratchBytes < 0:
		return fmt.Errorf("scratch limit %d is negative", l.ScratchBytes)
	}
	return nil
}

// Env holds the variables a script sees in process.env, named as upstream
// cozy-stack names them. The first seven are always present (possibly
// empty); the konnector-only ones appear only when set.
type Env struct {
	URL         string // COZY_URL: the instance URL
	Credentials string // COZY_CREDENTIALS: the service's token
	JobID       string // COZY_JOB_ID
	CouchDoc    string // COZY_COUCH_DOC: the document that triggered the service (JSON)
	TimeLimit   string // COZY_TIME_LIMIT in seconds; derived from Limits.Wall when empty
	Language    string // COZY_LANGUAGE, e.g. "node"
	Locale      string // COZY_LOCALE, e.g. "en"

	Fields          string // COZY_FIELDS (konnectors)
	Payload         string // COZY_PAYLOAD (konnectors, @webhook)
	Parameters      string // COZY_PARAMETERS (konnectors)
	TriggerID       string // COZY_TRIGGER_ID (konnectors)
	ManualExecution string // COZY_JOB_MANUAL_EXECUTION (konnectors)
}

// Map returns the variables as process.env will hold them.
func (e Env) Map() map[string]string {
	m := map[string]string{
		"COZY_URL":         e.URL,
		"COZY_CREDENTIALS": e.Credentials,
		"COZY_JOB_ID":      e.JobID,
		"COZY_COUCH_DOC":   e.CouchDoc,
		"COZY_TIME_LIMIT":  e.TimeLimit,
		"COZY_LANGUAGE":    e.Language,
		"COZY_LOCALE":      e.Locale,
	}
	optional := map[string]string{
		"COZY_FIELDS":               e.Fields,
		"COZY_PAYLOAD":              e.Payload,
		"COZY_PARAMETERS":           e.Parameters,
		"COZY_TRIGGER_ID":           e.TriggerID,
		"COZY_JOB_MANUAL_EXECUTION": e.ManualExecution,
	}
	for k, v := range optional {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// Spec describes one run of a service or konnector.
type Spec struct {
	// Name names the run in stack traces and errors (e.g. the service slug).
	Name string
	// Script is the bundle: one self-contained script (esbuild iife, es2017).
	Script []byte
	// Env is what the script sees as process.env.
	Env Env
	// Limits bounds the run; zero fields take the defaults.
	Limits Limits
	// AllowedOrigins lists the origins fetch may reach ("https://host:port").
	// When nil, it is the origin of Env.URL alone.
	AllowedOrigins []string
}

// normalize checks s and returns a copy with defaults filled in.
func (s Spec) normalize() (Spec, error) {
	if s.Name == "" {
		return s, errors.New("spec has no name")
	}
	if len(s.Script) == 0 {
		return s, fmt.Errorf("spec %q has an empty script", s.Name)
	}
	if len(s.Script) > MaxScriptBytes {
		return s, fmt.Errorf("spec %q: script is %d bytes, more than %d", s.Name, len(s.Script), MaxScriptBytes)
	}
	if err := s.Limits.validate(); err != nil {
		return s, fmt.Errorf("spec %q: %w", s.Name, err)
	}
	s.Limits = s.Limits.withDefaults()
	if s.Env.TimeLimit == "" {
		s.Env.TimeLimit = strconv.FormatInt(int64(s.Limits.Wall/time.Second), 10)
	}
	var origins []string
	if s.Env.URL != "" {
		o, err := originOf(s.Env.URL)
		if err != nil {
			return s, fmt.Errorf("spec %q: COZY_URL: %w", s.Name, err)
		}
		if s.AllowedOrigins == nil {
			origins = append(origins, o)
		}
	}
	for _, raw := range s.AllowedOrigins {
		o, err := originOf(raw)
		if err != nil {
			return s, fmt.Errorf("spec %q: allowed origin: %w", s.Name, err)
		}
		origins = append(origins, o)
	}
	s.AllowedOrigins = origins
	return s, nil
}
