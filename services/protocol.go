package services

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// childArg is the argv[1] marker that makes IsChild true.
const childArg = "__cozy-sandbox-child__"

// maxSpecBytes bounds what a child reads from stdin (the script is base64).
const maxSpecBytes = MaxScriptBytes*4/3 + 1<<20

// maxMessageBytes bounds one console message; longer ones are truncated.
const maxMessageBytes = 64 << 10

// endSlackBytes is what the parent accepts beyond OutputBytes for the end
// frame and the last truncated line.
const endSlackBytes = maxMessageBytes + 16<<10

// Status values of the end frame.
const (
	statusOK       = "ok"
	statusScript   = "script"
	statusTime     = "time"
	statusMemory   = "memory"
	statusOutput   = "output"
	statusExit     = "exit"
	statusInternal = "internal"
)

// wireSpec is what the parent writes to the child's stdin.
type wireSpec struct {
	Name        string            `json:"name"`
	Script      []byte            `json:"script"`
	Env         map[string]string `json:"env"`
	Wall        time.Duration     `json:"wall"`
	MemoryBytes int64             `json:"memory"`
	OutputBytes int64             `json:"output"`
	Origins     []string          `json:"origins"`
	// Scratch is the directory the fs module may use, created and removed
	// by the parent; ScratchBytes caps what the run writes there.
	Scratch      string `json:"scratch"`
	ScratchBytes int64  `json:"scratchBytes"`
}

// frame is one line the child writes to its stdout: a log line or, last,
// the end frame.
type frame struct {
	Kind    string `json:"k"`            // "log" or "end"
	Time    int64  `json:"t,omitempty"`  // log: Unix nanoseconds
	Level   string `json:"l,omitempty"`  // log: level
	Message string `json:"m,omitempty"`  // log: message; end: error message
	Status  string `json:"s,omitempty"`  // end: one of the status* values
	Stack   string `json:"st,omitempty"` // end: JS stack of a script error
	Code    int    `json:"c,omitempty"`  // end: process.exit code
}

// frameWriter writes frames, stopping log frames at a byte limit.
type frameWriter struct {
	mu      sync.Mutex
	w       io.Writer
	limit   int64
	written int64
	full    bool
	onFull  func() // called once, when a log line would pass the limit
}

// log writes a log frame unless the limit was reached.
func (f *frameWriter) log(level, msg string) {
	if len(msg) > maxMessageBytes {
		msg = strings.ToValidUTF8(msg[:maxMessageBytes], "") + "…[truncated]"
	}
	b, err := json.Marshal(frame{Kind: "log", Time: time.Now().UnixNano(), Level: level, Message: msg})
	if err != nil {
		return
	}
	b = append(b, '\n')
	f.mu.Lock()
	if f.full {
		f.mu.Unlock()
		return
	}
	if f.written+int64(len(b)) > f.limit {
		f.full = true
		f.mu.Unlock()
		if f.onFull != nil {
			f.onFull()
		}
		return
	}
	f.written += int64(len(b))
	_, _ = f.w.Write(b)
	f.mu.Unlock()
}

// end writes the final frame, whatever the limit.
func (f *frameWriter) end(fr frame) error {
	fr.Kind = "end"
	if len(fr.Message) > maxMessageBytes {
		fr.Message = strings.ToValidUTF8(fr.Message[:maxMessageBytes], "") + "…[truncated]"
	}
	if len(fr.Stack) > maxMessageBytes {
		fr.Stack = strings.ToValidUTF8(fr.Stack[:maxMessageBytes], "") + "…[truncated]"
	}
	b, err := json.Marshal(fr)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err = f.w.Write(append(b, '\n'))
	return err
}
