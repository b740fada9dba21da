package queryserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/cozypi/cozy/services"
)

// childArg is the argv[1] marker that makes IsChild true.
const childArg = "__cozy-queryserver__"

// maxLineBytes bounds one protocol line, both ways.
const maxLineBytes = 64 << 20

// IsChild reports whether this process was started by a Pool as a query
// server. cmd/cozy's main calls it before anything else:
//
//	if queryserver.IsChild() { queryserver.ChildMain(); return }
func IsChild() bool {
	return len(os.Args) > 1 && os.Args[1] == childArg
}

// ChildMain runs the query server on stdin and stdout with the limits given
// on its command line (memory bytes, milliseconds per command); it exits
// the process.
func ChildMain() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "queryserver: usage: memory-bytes timeout-ms")
		os.Exit(2)
	}
	mem, err1 := strconv.ParseInt(os.Args[2], 10, 64)
	ms, err2 := strconv.ParseInt(os.Args[3], 10, 64)
	if err := errors.Join(err1, err2); err != nil || mem <= 0 || ms <= 0 {
		fmt.Fprintln(os.Stderr, "queryserver: bad limits:", os.Args[2:])
		os.Exit(2)
	}
	if err := services.LimitMemory(mem); err != nil {
		fmt.Fprintln(os.Stderr, "queryserver:", err)
		os.Exit(3)
	}
	s, err := newServer(os.Stdout, time.Duration(ms)*time.Millisecond, mem)
	if err != nil {
		fmt.Fprintln(os.Stderr, "queryserver:", err)
		os.Exit(3)
	}
	go s.watchMemory() // ends with the process
	os.Exit(s.serve(os.Stdin))
}

// prelude defines the functions design documents use, and the drivers
// the Go side calls.
const prelude = `
var __rows = null, __funs = [], __ddocs = {};
function emit(k, v) {
  if (__rows === null) throw new Error("emit called outside a map function");
  __rows.push([k === undefined ? null : k, v === undefined ? null : v]);
}
function log(m) { __log(typeof m === "string" ? m : JSON.stringify(m)); }
function sum(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i]; return s; }
function isArray(a) { return Array.isArray(a); }
function toJSON(o) { return JSON.stringify(o); }
function __compile(src) {
  var f = (0, eval)("(" + src + "\n)");
  if (typeof f !== "function") throw new TypeError("expression does not eval to a function: " + src);
  return f;
}
function __add(src) { __funs.push(__compile(src)); }
function __reset() { __funs = []; }
function __mapOne(f, doc) {
  __rows = [];
  try { f(doc); }
  catch (e) { __log("function raised exception (" + e + ") with doc._id " + (doc && doc._id)); __rows = []; }
  var r = __rows; __rows = null; return r;
}
function __map(text) {
  var out = [];
  for (var i = 0; i < __funs.length; i++) out.push(__mapOne(__funs[i], JSON.parse(text)));
  return JSON.stringify(out);
}
function __reduce(srcs, text, rereduce) {
  var data = JSON.parse(text), keys = null, values = data;
  if (!rereduce) {
    keys = []; values = [];
    for (var i = 0; i < data.length; i++) { keys.push(data[i][0]); values.push(data[i][1]); }
  }
  var out = [];
  for (var j = 0; j < srcs.length; j++) {
    var r = __compile(srcs[j])(keys, values, rereduce);
    out.push(r === undefined ? null : r);
  }
  return JSON.stringify([true, out]);
}
function __ddocNew(key, text) { __ddocs[key] = {doc: JSON.parse(text), compiled: {}}; }
function __ddocCall(key, path, text) {
  var d = __ddocs[key];
  if (!d) throw new Error("query_server_error: unknown design document " + key);
  var args = JSON.parse(text), docs = args[0], out = [], f, i;
  var where = path.join("/");
  f = d.compiled[where];
  if (!f) {
    var src = d.doc;
    for (i = 0; i < path.length; i++) src = src == null ? undefined : src[path[i]];
    if (typeof src !== "string") throw new Error("not_found: no function " + where + " in " + key);
    f = d.compiled[where] = __compile(src);
  }
  if (path[0] === "filters") {
    var req = args[1] || {};
    for (i = 0; i < docs.length; i++) {
      var ok = false;
      try { ok = !!f(docs[i], req); } catch (e) { __log("filter raised exception (" + e + ") with doc._id " + (docs[i] && docs[i]._id)); }
      out.push(ok);
    }
  } else if (path[0] === "validate_doc_update") {
    // args: newDoc, oldDoc, userCtx, secObj; "this" is the design document.
    // A thrown Error is a failure of the function (an error answer); a
    // thrown plain value ({forbidden: ...}, {unauthorized: ...}) is the
    // refusal, answered as is.
    try { f.apply(d.doc, args); return "1"; }
    catch (e) { if (e instanceof Error) throw e; return JSON.stringify(e === undefined ? null : e); }
  } else if (path[0] === "views") {
    for (i = 0; i < docs.length; i++) out.push(__mapOne(f, docs[i]).length > 0);
  } else {
    throw new Error("unknown_command: ddoc " + where);
  }
  return JSON.stringify([true, out]);
}
`

// halt is the interrupt value of a limit.
type halt struct{ reason string }

// server is the child's state: one goja runtime for its whole life.
type server struct {
	vm      *goja.Runtime
	out     *bufio.Writer
	timeout time.Duration
	memory  int64

	mapFn, reduceFn, addFn, resetFn, ddocNewFn, ddocCallFn goja.Callable

	mu      sync.Mutex
	running bool
}

func newServer(w io.Writer, timeout time.Duration, memory int64) (*server, error) {
	s := &server{vm: goja.New(), out: bufio.NewWriterSize(w, 64<<10), timeout: timeout, memory: memory}
	if err := s.vm.Set("__log", func(msg string) { s.write([]any{"log", msg}) }); err != nil {
		return nil, err
	}
	if _, err := s.vm.RunString(prelude); err != nil {
		return nil, fmt.Errorf("prelude: %w", err)
	}
	for name, dst := range map[string]*goja.Callable{"__map": &s.mapFn, "__reduce": &s.reduceFn, "__add": &s.addFn,
		"__reset": &s.resetFn, "__ddocNew": &s.ddocNewFn, "__ddocCall": &s.ddocCallFn} {
		f, ok := goja.AssertFunction(s.vm.Get(name))
		if !ok {
			return nil, fmt.Errorf("prelude: %s is not a function", name)
		}
		*dst = f
	}
	return s, nil
}

// write sends one line.
func (s *server) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal([]any{"error", "query_server_error", err.Error()})
	}
	_, _ = s.out.Write(append(b, '\n'))
}

// serve answers commands until stdin ends; it returns the exit status. A
// command stopped by a limit is answered, then the child exits: its
// runtime may be in any state.
func (s *server) serve(in io.Reader) int {
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := readLine(br, maxLineBytes)
		if len(line) > 0 {
			answer, fatal := s.handle(line)
			s.write(answer)
			if ferr := s.out.Flush(); ferr != nil {
				return 4
			}
			if fatal {
				return 1
			}
		}
		if err == io.EOF {
			return 0
		}
		if err != nil {
			s.write([]any{"error", "query_server_error", err.Error()})
			_ = s.out.Flush()
			return 1
		}
	}
}

// handle runs one command line and returns its answer; fatal is true when
// a limit stopped it.
func (s *server) handle(line []byte) (answer any, fatal bool) {
	var cmd []json.RawMessage
	if err := json.Unmarshal(line, &cmd); err != nil || len(cmd) == 0 {
		return []any{"error", "query_server_error", "a command is a non-empty JSON array"}, false
	}
	var name string
	if err := json.Unmarshal(cmd[0], &name); err != nil {
		return []any{"error", "query_server_error", "a command starts with its name"}, false
	}
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	timer := time.AfterFunc(s.timeout, func() { s.vm.Interrupt(halt{"time"}) })
	defer func() {
		timer.Stop()
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
		s.vm.ClearInterrupt()
	}()
	v, err := s.run(name, cmd[1:])
	if err == nil {
		return v, false
	}
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		if h, ok := intr.Value().(halt); ok && h.reason == "memory" {
			return []any{"error", "os_process_error", "the function went over the memory limit"}, true
		}
		return []any{"error", "os_process_error", fmt.Sprintf("the function went over the time limit (%v)", s.timeout)}, true
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return []any{"error", errorType(name), ex.Value().String()}, false
	}
	return []any{"error", errorType(name), err.Error()}, false
}

func errorType(cmd string) string {
	switch cmd {
	case "add_fun":
		return "compilation_error"
	case "reduce", "rereduce":
		return "reduce_error"
	}
	return "query_server_error"
}

// raw is a JSON text answered as is.
type raw string

// MarshalJSON implements json.Marshaler.
func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func (s *server) run(name string, args []json.RawMessage) (any, error) {
	str := func(i int) (string, error) {
		var v string
		if i >= len(args) {
			return "", fmt.Errorf("%s: missing argument %d", name, i+1)
		}
		if err := json.Unmarshal(args[i], &v); err != nil {
			return "", fmt.Errorf("%s: argument %d is not a string", name, i+1)
		}
		return v, nil
	}
	switch name {
	case "reset":
		_, err := s.resetFn(goja.Undefined())
		return true, err
	case "add_fun":
		src, err := str(0)
		if err != nil {
			return nil, err
		}
		_, err = s.addFn(goja.Undefined(), s.vm.ToValue(src))
		return true, err
	case "map_doc":
		if len(args) != 1 {
			return nil, errors.New("map_doc: one document expected")
		}
		v, err := s.mapFn(goja.Undefined(), s.vm.ToValue(string(args[0])))
		if err != nil {
			return nil, err
		}
		return raw(v.String()), nil
	case "reduce", "rereduce":
		if len(args) != 2 {
			return nil, fmt.Errorf("%s: functions and data expected", name)
		}
		var srcs []string
		if err := json.Unmarshal(args[0], &srcs); err != nil {
			return nil, fmt.Errorf("%s: the functions are not a list of strings", name)
		}
		v, err := s.reduceFn(goja.Undefined(), s.vm.ToValue(srcs), s.vm.ToValue(string(args[1])), s.vm.ToValue(name == "rereduce"))
		if err != nil {
			return nil, err
		}
		return raw(v.String()), nil
	case "ddoc":
		key, err := str(0)
		if err != nil {
			return nil, err
		}
		if key == "new" {
			id, err := str(1)
			if err != nil || len(args) != 3 {
				return nil, errors.New("ddoc new: an id and a document expected")
			}
			_, err = s.ddocNewFn(goja.Undefined(), s.vm.ToValue(id), s.vm.ToValue(string(args[2])))
			return true, err
		}
		var path []string
		if len(args) != 3 || json.Unmarshal(args[1], &path) != nil || len(path) == 0 {
			return nil, errors.New("ddoc: a function path and arguments expected")
		}
		v, err := s.ddocCallFn(goja.Undefined(), s.vm.ToValue(key), s.vm.ToValue(path), s.vm.ToValue(string(args[2])))
		if err != nil {
			return nil, err
		}
		return raw(v.String()), nil
	}
	return nil, fmt.Errorf("unknown command %q", name)
}

// watchMemory interrupts the running command when the Go heap passes 90 %
// of the memory limit: a clean error rather than the RLIMIT_DATA crash,
// when it is in time.
func (s *server) watchMemory() {
	threshold := uint64(s.memory) / 10 * 9
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > threshold {
			s.mu.Lock()
			running := s.running
			s.mu.Unlock()
			if running {
				s.vm.Interrupt(halt{"memory"})
			}
		}
	}
}

// errLineTooLong: a line over the bound.
var errLineTooLong = errors.New("line too long")

// readLine reads one line (without its newline) of at most max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		return line, err
	}
}
