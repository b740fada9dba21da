package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
	"github.com/dop251/goja_nodejs/require"
)

// haltSignal is the interrupt value used when a limit stops the script.
type haltSignal struct{}

// exitSignal is the interrupt value used by process.exit.
type exitSignal struct{ code int }

// sandbox is one run of one script, inside the child process.
type sandbox struct {
	spec     wireSpec
	out      *frameWriter
	loop     *eventloop.EventLoop
	vm       *goja.Runtime // set on the loop goroutine, then read-only
	ctx      context.Context
	client   *http.Client
	manual   *http.Client // the same, not following redirects (http module)
	fs       *scratchFS
	origins  originSet
	cozyURL  string
	watchdog bool // poll the Go heap against the memory limit
	helpers  *sync.WaitGroup

	// Original timer functions, for wrapping and for fetch keep-alives.
	setTimeout, clearTimeout goja.Callable

	mu     sync.Mutex
	halted string // statusTime, statusMemory or statusOutput, first wins

	// Owned by the loop goroutine.
	nodelib    *goja.Object          // module thunks, once loaded
	modules    map[string]goja.Value // built-in modules already required
	exited     bool
	exitCode   int
	failure    *ScriptError
	rejections []*goja.Promise
}

// runSandbox runs spec in a fresh runtime, writing log frames to w, and
// returns the end frame. It never panics on script behaviour.
func runSandbox(ctx context.Context, spec wireSpec, w io.Writer, watchdog bool) (end frame) {
	// The run owns its helper goroutines (timer stop, memory watchdog,
	// fetches): cancelling ctx ends them, and the run waits for them.
	var helpers sync.WaitGroup
	defer helpers.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &sandbox{
		spec:     spec,
		ctx:      ctx,
		origins:  newOriginSet(spec.Origins),
		cozyURL:  spec.Env["COZY_URL"],
		watchdog: watchdog,
		helpers:  &helpers,
		fs:       &scratchFS{dir: spec.Scratch, limit: spec.ScratchBytes},
		modules:  map[string]goja.Value{},
	}
	defer s.fs.close()
	s.out = &frameWriter{w: w, limit: spec.OutputBytes, onFull: func() { s.halt(statusOutput) }}
	s.client = newFetchClient(s.origins)
	defer s.client.CloseIdleConnections()
	s.manual = &http.Client{Transport: s.client.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

	reg := require.NewRegistry(require.WithLoader(func(string) ([]byte, error) {
		return nil, require.ModuleFileDoesNotExistError
	}))
	s.loop = eventloop.NewEventLoop(eventloop.WithRegistry(reg), eventloop.EnableConsole(false))

	var setupErr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				setupErr = fmt.Errorf("sandbox panic: %v", r)
			}
		}()
		s.loop.Run(func(vm *goja.Runtime) {
			s.vm = vm
			timer := time.AfterFunc(spec.Wall, func() { s.halt(statusTime) })
			helpers.Go(func() { <-ctx.Done(); timer.Stop() })
			if s.watchdog {
				helpers.Go(s.watchMemory)
			}
			if setupErr = s.setup(vm); setupErr != nil {
				s.loop.StopNoWait()
				return
			}
			_, err := vm.RunScript(spec.Name+".js", string(spec.Script))
			s.noteErr(err)
		})
	}()
	if setupErr != nil {
		return frame{Status: statusInternal, Message: setupErr.Error()}
	}
	return s.endFrame()
}

// halt stops the run because a limit was reached. Safe from any goroutine.
func (s *sandbox) halt(status string) {
	s.mu.Lock()
	if s.halted == "" {
		s.halted = status
	}
	s.mu.Unlock()
	if s.vm != nil {
		s.vm.Interrupt(haltSignal{})
	}
	s.loop.StopNoWait()
}

// haltedStatus returns why the run was halted, or "".
func (s *sandbox) haltedStatus() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.halted
}

// watchMemory interrupts the script when the Go heap passes 90 % of the
// memory limit: a cleaner stop than the RLIMIT_DATA crash when it is in time.
func (s *sandbox) watchMemory() {
	threshold := uint64(s.spec.MemoryBytes) / 10 * 9
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > threshold {
				s.halt(statusMemory)
				return
			}
		}
	}
}

// noteErr records an error returned by JS code run from Go. It runs on the
// loop goroutine.
func (s *sandbox) noteErr(err error) {
	if err == nil {
		return
	}
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		if ex, ok := intr.Value().(exitSignal); ok {
			s.exited, s.exitCode = true, ex.code
		}
		return
	}
	if s.failure == nil && !s.exited {
		s.failure = describeError(err)
	}
	// Like node, an uncaught exception ends the run.
	s.loop.StopNoWait()
}

// describeError turns an error from goja into a ScriptError.
func describeError(err error) *ScriptError {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		se := describeValue(ex.Value())
		if stack := ex.String(); stack != "" {
			se.Stack = stack
		}
		return se
	}
	return &ScriptError{Message: err.Error()}
}

// describeValue turns a thrown or rejected JS value into a ScriptError.
func describeValue(v goja.Value) (se *ScriptError) {
	se = &ScriptError{Message: "undefined"}
	defer func() {
		if r := recover(); r != nil {
			se.Message = "(unprintable value)"
		}
	}()
	if v == nil {
		return se
	}
	se.Message = v.String()
	if obj, ok := v.(*goja.Object); ok {
		if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
			se.Stack = st.String()
		}
	}
	return se
}

// endFrame builds the end frame once the loop has stopped.
func (s *sandbox) endFrame() frame {
	switch st := s.haltedStatus(); st {
	case statusTime:
		return frame{Status: st, Message: fmt.Sprintf("still running after %v", s.spec.Wall)}
	case statusMemory:
		return frame{Status: st, Message: fmt.Sprintf("heap above 90%% of %d bytes", s.spec.MemoryBytes)}
	case statusOutput:
		return frame{Status: st, Message: fmt.Sprintf("more than %d bytes of log", s.spec.OutputBytes)}
	}
	if s.exited {
		if s.exitCode == 0 {
			return frame{Status: statusOK}
		}
		return frame{Status: statusExit, Code: s.exitCode, Message: fmt.Sprintf("process.exit(%d)", s.exitCode)}
	}
	if s.failure != nil {
		return frame{Status: statusScript, Message: s.failure.Message, Stack: s.failure.Stack}
	}
	if len(s.rejections) > 0 {
		s.vm.ClearInterrupt()
		se := describeValue(s.rejections[0].Result())
		return frame{Status: statusScript, Message: "unhandled promise rejection: " + se.Message, Stack: se.Stack}
	}
	return frame{Status: statusOK}
}
