package services

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runInProcess runs script in this process (no child, no rlimits, no
// watchdog) and returns its logs and end frame.
func runInProcess(t *testing.T, script string, opts ...func(*wireSpec)) ([]LogLine, frame) {
	t.Helper()
	spec := wireSpec{
		Name:        "inproc",
		Script:      []byte(script),
		Env:         Env{URL: "http://127.0.0.1:9", Credentials: "tok"}.Map(),
		Wall:        5 * time.Second,
		MemoryBytes: DefaultMemoryBytes,
		OutputBytes: DefaultOutputBytes,
	}
	for _, o := range opts {
		o(&spec)
	}
	var out bytes.Buffer
	end := runSandbox(context.Background(), spec, &out, false)
	logs, tail, err := readFrames(&out, 1<<30)
	if err != nil || tail != nil {
		t.Fatalf("reading frames: %v (end frame in the log stream: %v)", err, tail)
	}
	return logs, end
}

func logText(logs []LogLine) string {
	return strings.Join(messages(logs), "\n")
}

func TestSandboxConsole(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"values", `console.log("a", 1, {b: 2}, [1, "x"], null, undefined, true, 10n)`, `info a 1 {"b":2} [1,"x"] null undefined true 10n`},
		{"format string", `console.info("%s=%d", "x", 5)`, "info x=5"},
		{"levels", `console.debug("d"); console.warn("w"); console.error("e"); console.trace("t")`, "debug d\nwarning w\nerror e\ndebug t"},
		{"error object", `console.error(new TypeError("bad"))`, "error TypeError: bad"},
		{"circular", `const o = {}; o.o = o; console.log(o)`, "info [object Object]"},
		{"function", `console.log(function named() {})`, "info [Function: named]"},
		{"empty", `console.log()`, "info "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, end := runInProcess(t, tt.script)
			if end.Status != statusOK {
				t.Fatalf("end %+v", end)
			}
			if got := logText(logs); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSandboxTimersAndPromises(t *testing.T) {
	script := `
setTimeout(() => console.log("timeout 20"), 20);
setTimeout(() => console.log("timeout 5"), 5);
const cancelled = setTimeout(() => console.log("cancelled"), 1);
clearTimeout(cancelled);
setImmediate(() => console.log("immediate"));
let n = 0;
const iv = setInterval(() => { n++; if (n === 3) { clearInterval(iv); console.log("interval x3"); } }, 1);
Promise.resolve().then(() => console.log("microtask"));
queueMicrotask(() => console.log("queueMicrotask"));
process.nextTick((a) => console.log("nextTick", a), "arg");
(async () => { await new Promise((r) => setTimeout(r, 40)); console.log("async done"); })();
console.log("sync");
`
	logs, end := runInProcess(t, script)
	if end.Status != statusOK {
		t.Fatalf("end %+v", end)
	}
	got := messages(logs)
	pos := map[string]int{}
	for i, m := range got {
		pos[strings.TrimPrefix(m, "info ")] = i
	}
	order := [][2]string{
		{"sync", "microtask"}, {"microtask", "queueMicrotask"}, {"queueMicrotask", "immediate"},
		{"timeout 5", "timeout 20"}, {"timeout 20", "async done"},
	}
	for _, o := range order {
		a, okA := pos[o[0]]
		b, okB := pos[o[1]]
		if !okA || !okB || a > b {
			t.Errorf("%q should come before %q in %q", o[0], o[1], got)
		}
	}
	for _, want := range []string{"nextTick arg", "interval x3"} {
		if _, ok := pos[want]; !ok {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	if _, ok := pos["cancelled"]; ok {
		t.Errorf("a cleared timeout ran: %q", got)
	}
}

func TestSandboxEndStatus(t *testing.T) {
	tests := []struct {
		name, script string
		wall         time.Duration
		output       int64
		status       string
		message      string
		noLog        string
	}{
		{name: "ok", script: `console.log(1)`, status: statusOK},
		{name: "exit 0 stops the run", script: `setTimeout(() => console.log("late"), 50); process.exit(0)`, status: statusOK, noLog: "late"},
		{name: "exit 3", script: `process.exit(3)`, status: statusExit, message: "process.exit(3)"},
		{name: "exit inside try/finally", script: `try { process.exit(4) } finally { console.log("finally") }`, status: statusExit, noLog: "finally"},
		{name: "handled rejection", script: `const p = Promise.reject(new Error("x")); p.catch(() => console.log("caught"))`, status: statusOK},
		{name: "unhandled rejection of a string", script: `Promise.reject("plain")`, status: statusScript, message: "unhandled promise rejection: plain"},
		{name: "throw", script: `throw new RangeError("out")`, status: statusScript, message: "RangeError: out"},
		{name: "throw a non-error", script: `throw 42`, status: statusScript, message: "42"},
		{name: "uncaught in interval stops it", script: `let i = 0; setInterval(() => { console.log("tick"); if (++i === 2) throw new Error("tock") }, 1)`, status: statusScript, message: "Error: tock"},
		{name: "time limit", script: `while (true) {}`, wall: 100 * time.Millisecond, status: statusTime},
		{name: "time limit while idle", script: `setInterval(() => {}, 10)`, wall: 100 * time.Millisecond, status: statusTime},
		{name: "time limit is uncatchable", script: `try { for (;;) {} } catch (e) { console.log("caught") }`, wall: 100 * time.Millisecond, status: statusTime, noLog: "caught"},
		{name: "output limit", script: `for (let i = 0; i < 1e6; i++) console.log("line " + i)`, output: 1000, status: statusOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, end := runInProcess(t, tt.script, func(s *wireSpec) {
				if tt.wall > 0 {
					s.Wall = tt.wall
				}
				if tt.output > 0 {
					s.OutputBytes = tt.output
				}
			})
			if end.Status != tt.status || !strings.Contains(end.Message, tt.message) {
				t.Errorf("end %+v, want status %q with %q", end, tt.status, tt.message)
			}
			if tt.noLog != "" && strings.Contains(logText(logs), tt.noLog) {
				t.Errorf("logged %q: %q", tt.noLog, logText(logs))
			}
		})
	}
}

func TestSandboxScope(t *testing.T) {
	script := `
const out = [];
out.push(typeof require("buffer").Buffer, typeof require("node:url").URL, typeof require("util").format);
for (const name of ["process", "net", "dns", "tls", "vm", "worker_threads", "./x.js", "/etc/passwd", "node:net", "encoding"]) {
  try { require(name); out.push(name + ":loaded"); } catch (e) { out.push(e.code); }
}
out.push(typeof Intl, typeof WebAssembly, typeof Deno, typeof process.binding, typeof process.env.PATH, typeof global.fetch);
console.log(out.join(","));
`
	logs, end := runInProcess(t, script)
	if end.Status != statusOK {
		t.Fatalf("end %+v", end)
	}
	want := "info function,function,function," + strings.Repeat("MODULE_NOT_FOUND,", 10) + "undefined,undefined,undefined,undefined,undefined,function"
	if got := logText(logs); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
