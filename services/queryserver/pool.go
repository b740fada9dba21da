package queryserver

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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/services"
)

// Defaults of the Pool fields left at zero.
const (
	DefaultSize        = 2
	DefaultTimeout     = 5 * time.Second // CouchDB's os_process_timeout
	DefaultMemoryBytes = services.DefaultMemoryBytes
	// killGrace is how long the parent waits past the time limit (when the
	// child should have answered with its own error) before killing it.
	killGrace = 500 * time.Millisecond
	// maxDdocs bounds the design documents a child keeps compiled; past
	// it the child is replaced.
	maxDdocs = 64
)

// Pool is a small set of query-server children, started on first use. It
// is safe for concurrent use; a call waits for a free child. Close stops
// them.
type Pool struct {
	// Executable is the binary started as the child; it must call
	// IsChild/ChildMain first thing. Empty means os.Executable().
	Executable string
	// Size is the number of children (DefaultSize when <= 0).
	Size int
	// Timeout bounds each command (DefaultTimeout when <= 0).
	Timeout time.Duration
	// MemoryBytes is each child's memory limit (DefaultMemoryBytes when 0).
	MemoryBytes int64
	// Logger receives the functions' log lines and the children's ends.
	// Nil means slog.Default().
	Logger *slog.Logger

	once   sync.Once
	sem    chan struct{}
	mu     sync.Mutex
	idle   []*proc
	closed bool
}

var _ store.QueryServer = (*Pool)(nil)

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("queryserver: pool closed")

func (p *Pool) init() {
	p.once.Do(func() {
		n := p.Size
		if n <= 0 {
			n = DefaultSize
		}
		p.sem = make(chan struct{}, n)
	})
}

func (p *Pool) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Pool) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// get returns a child for the caller's exclusive use; put gives it back.
func (p *Pool) get(ctx context.Context) (*proc, error) {
	p.init()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		pr := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return pr, nil
	}
	p.mu.Unlock()
	pr, err := p.start()
	if err != nil {
		<-p.sem
		return nil, err
	}
	return pr, nil
}

// put returns a child to the pool, or stops it when it is no longer
// usable (a limit, a protocol error) or the pool is closed.
func (p *Pool) put(pr *proc) {
	defer func() { <-p.sem }()
	p.mu.Lock()
	if !pr.broken && !p.closed {
		p.idle = append(p.idle, pr)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	pr.stop()
}

// Close stops the children, waiting for the calls in progress (each is
// bounded by the time limit). Later calls fail with ErrClosed.
func (p *Pool) Close() error {
	p.init()
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for range cap(p.sem) { // every call in progress has ended
		p.sem <- struct{}{}
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, pr := range idle {
		pr.stop()
	}
	for range cap(p.sem) {
		<-p.sem
	}
	return nil
}

// proc is one child process.
type proc struct {
	pool    *Pool
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	lines   chan []byte // lines read from the child; closed at its end
	readErr error       // why lines was closed, read after it is
	quit    chan struct{}
	done    chan struct{} // the reader has ended
	stderr  *headBuffer
	broken  bool

	funs  string          // the map functions loaded, joined
	ddocs map[string]bool // the design documents loaded, by id@rev
}

func (p *Pool) start() (*proc, error) {
	exe := p.Executable
	var err error
	if exe == "" {
		exe, err = os.Executable()
	} else {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		return nil, fmt.Errorf("queryserver: finding the executable: %w", err)
	}
	mem := p.MemoryBytes
	if mem == 0 {
		mem = DefaultMemoryBytes
	}
	cmd := exec.Command(exe, childArg, strconv.FormatInt(mem, 10), strconv.FormatInt(p.timeout().Milliseconds(), 10))
	cmd.Env = services.ChildEnv()
	cmd.Dir = "/"
	stderr := &headBuffer{max: 8 << 10}
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("queryserver: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("queryserver: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("queryserver: starting %s: %w", exe, err)
	}
	pr := &proc{pool: p, cmd: cmd, stdin: stdin, lines: make(chan []byte), quit: make(chan struct{}),
		done: make(chan struct{}), stderr: stderr, ddocs: map[string]bool{}}
	go pr.read(stdout) // owned by pr: stop waits for it
	return pr, nil
}

// read forwards the child's lines until its stdout ends or stop.
func (pr *proc) read(stdout io.Reader) {
	defer close(pr.done)
	defer close(pr.lines)
	br := bufio.NewReaderSize(stdout, 64<<10)
	for {
		line, err := readLine(br, maxLineBytes)
		if len(line) > 0 {
			select {
			case pr.lines <- line:
			case <-pr.quit:
				return
			}
		}
		if err != nil {
			pr.readErr = err
			if !errors.Is(err, io.EOF) {
				_, _ = io.Copy(io.Discard, stdout)
			}
			return
		}
	}
}

// kill ends the child at once.
func (pr *proc) kill() {
	pr.broken = true
	_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
	_ = pr.cmd.Process.Kill()
}

// stop ends the child and waits for it and its reader.
func (pr *proc) stop() {
	pr.kill()
	_ = pr.stdin.Close()
	close(pr.quit)
	<-pr.done
	_ = pr.cmd.Wait()
}

// call sends one command and returns its answer. An ["error", ...] answer
// is returned as an ErrQueryServer error; a child that hit a limit, died or
// broke the protocol is marked broken.
func (pr *proc) call(ctx context.Context, cmd ...any) (json.RawMessage, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("queryserver: encoding the command: %w", err)
	}
	limit := pr.pool.timeout()
	timer := time.NewTimer(limit + killGrace)
	defer timer.Stop()
	writeErr := make(chan error, 1)
	go func() { // ends: the write returns once the child reads or dies
		_, err := pr.stdin.Write(append(b, '\n'))
		writeErr <- err
	}()
	for {
		select {
		case line, ok := <-pr.lines:
			if !ok {
				pr.kill()
				<-writeErr
				return nil, pr.died()
			}
			if bytes.HasPrefix(line, []byte(`["log",`)) {
				var msg []any
				if json.Unmarshal(line, &msg) == nil && len(msg) == 2 {
					pr.pool.log().Info("query server log", "message", msg[1])
				}
				continue
			}
			<-writeErr // the child answered, so it read the whole command
			return pr.answer(line)
		case <-timer.C:
			pr.kill()
			<-writeErr
			return nil, store.QueryServerError("os_process_error",
				fmt.Sprintf("the query server did not answer within %v and was stopped", limit))
		case <-ctx.Done():
			pr.kill()
			<-writeErr
			return nil, ctx.Err()
		}
	}
}

// answer decodes a reply line.
func (pr *proc) answer(line []byte) (json.RawMessage, error) {
	if bytes.HasPrefix(line, []byte(`["error"`)) {
		var e []string
		if err := json.Unmarshal(line, &e); err != nil || len(e) != 3 {
			pr.broken = true
			return nil, store.QueryServerError("os_process_error", "bad error answer from the query server")
		}
		if e[1] == "os_process_error" { // a limit: the child exits
			pr.broken = true
		}
		return nil, store.QueryServerError(e[1], e[2])
	}
	if !json.Valid(line) {
		pr.broken = true
		return nil, store.QueryServerError("os_process_error", "bad answer from the query server")
	}
	return line, nil
}

// died describes how a child ended without answering.
func (pr *proc) died() error {
	<-pr.done
	_ = pr.cmd.Wait()
	stderr := pr.stderr.String()
	if services.IsOutOfMemory(stderr) {
		return store.QueryServerError("os_process_error", "the query server went over its memory limit and was stopped")
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return store.QueryServerError("os_process_error", fmt.Sprintf("the query server died (%v): %s", pr.readErr, first))
}

// with runs fn on a child of the pool.
func (p *Pool) with(ctx context.Context, fn func(pr *proc) error) error {
	pr, err := p.get(ctx)
	if err != nil {
		return err
	}
	defer p.put(pr)
	return fn(pr)
}

// Map implements store.QueryServer.
func (p *Pool) Map(ctx context.Context, funs []string, docs []json.RawMessage) ([][][]store.KV, error) {
	out := make([][][]store.KV, 0, len(docs))
	err := p.with(ctx, func(pr *proc) error {
		key := strings.Join(funs, "\x00")
		if pr.funs != key {
			pr.funs = ""
			if _, err := pr.call(ctx, "reset"); err != nil {
				return err
			}
			for _, f := range funs {
				if _, err := pr.call(ctx, "add_fun", f); err != nil {
					return err
				}
			}
			pr.funs = key
		}
		for _, d := range docs {
			ans, err := pr.call(ctx, "map_doc", d)
			if err != nil {
				return err
			}
			var rows [][]store.KV
			if err := json.Unmarshal(ans, &rows); err != nil || len(rows) != len(funs) {
				pr.broken = true
				return store.QueryServerError("os_process_error", "bad map_doc answer from the query server")
			}
			out = append(out, rows)
		}
		return nil
	})
	return out, err
}

// Reduce implements store.QueryServer.
func (p *Pool) Reduce(ctx context.Context, fun string, keys, values []json.RawMessage) (json.RawMessage, error) {
	if len(keys) != len(values) {
		return nil, errors.New("queryserver: as many keys as values are needed")
	}
	data := make([][2]json.RawMessage, len(keys))
	for i := range keys {
		data[i] = [2]json.RawMessage{keys[i], values[i]}
	}
	return p.reduce(ctx, "reduce", fun, data)
}

// Rereduce implements store.QueryServer.
func (p *Pool) Rereduce(ctx context.Context, fun string, values []json.RawMessage) (json.RawMessage, error) {
	return p.reduce(ctx, "rereduce", fun, values)
}

func (p *Pool) reduce(ctx context.Context, cmd, fun string, data any) (json.RawMessage, error) {
	var out json.RawMessage
	err := p.with(ctx, func(pr *proc) error {
		ans, err := pr.call(ctx, cmd, []string{fun}, data)
		if err != nil {
			return err
		}
		var res []json.RawMessage
		var results []json.RawMessage
		if json.Unmarshal(ans, &res) != nil || len(res) != 2 || json.Unmarshal(res[1], &results) != nil || len(results) != 1 {
			pr.broken = true
			return store.QueryServerError("os_process_error", "bad reduce answer from the query server")
		}
		out = results[0]
		return nil
	})
	return out, err
}

// loadDdoc sends a design document to the child unless it has it, and
// returns the key the child knows it by.
func (pr *proc) loadDdoc(ctx context.Context, ddoc store.DesignRef) (string, error) {
	key := ddoc.ID + "@" + ddoc.Rev
	if !pr.ddocs[key] {
		if len(pr.ddocs) >= maxDdocs {
			pr.broken = true // replaced after this call
		}
		if _, err := pr.call(ctx, "ddoc", "new", key, ddoc.Body); err != nil {
			return "", err
		}
		pr.ddocs[key] = true
	}
	return key, nil
}

// Validate implements store.QueryServer.
func (p *Pool) Validate(ctx context.Context, ddoc store.DesignRef, newDoc, oldDoc, userCtx, secObj json.RawMessage) error {
	return p.with(ctx, func(pr *proc) error {
		key, err := pr.loadDdoc(ctx, ddoc)
		if err != nil {
			return err
		}
		args := []json.RawMessage{newDoc, orNull(oldDoc), orNull(userCtx), orNull(secObj)}
		ans, err := pr.call(ctx, "ddoc", key, []string{"validate_doc_update"}, args)
		if err != nil {
			return err
		}
		return store.ValidationAnswer(ans)
	})
}

// orNull is raw, or JSON null when it is empty.
func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// Filter implements store.QueryServer.
func (p *Pool) Filter(ctx context.Context, ddoc store.DesignRef, path []string, docs []json.RawMessage, req json.RawMessage) ([]bool, error) {
	var out []bool
	err := p.with(ctx, func(pr *proc) error {
		key, err := pr.loadDdoc(ctx, ddoc)
		if err != nil {
			return err
		}
		if docs == nil {
			docs = []json.RawMessage{}
		}
		args := []any{docs}
		if path[0] == "filters" {
			if req == nil {
				req = json.RawMessage("{}")
			}
			args = append(args, req)
		}
		ans, err := pr.call(ctx, "ddoc", key, path, args)
		if err != nil {
			return err
		}
		var res []json.RawMessage
		if json.Unmarshal(ans, &res) != nil || len(res) != 2 || json.Unmarshal(res[1], &out) != nil || len(out) != len(docs) {
			pr.broken = true
			return store.QueryServerError("os_process_error", "bad filter answer from the query server")
		}
		return nil
	})
	return out, err
}

// headBuffer keeps the first max bytes written to it.
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
