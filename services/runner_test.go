package services

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain makes the test binary its own sandbox child.
func TestMain(m *testing.M) {
	if IsChild() {
		ChildMain()
		return
	}
	os.Exit(m.Run())
}

// fakeCozy is a loopback stand-in for the stack's API.
type fakeCozy struct {
	*httptest.Server
	token string

	mu       sync.Mutex
	requests []string          // "METHOD path auth-ok"
	posted   []json.RawMessage // bodies of POSTs
}

func newFakeCozy(t testing.TB) *fakeCozy {
	t.Helper()
	f := &fakeCozy{token: "app-token-123"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /data/io.cozy.bank.operations/_all_docs", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"total_rows":3,"rows":[]}`)
	})
	mux.HandleFunc("GET /data/io.cozy.bank.operations/_page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("cursor") == "" {
			_, _ = io.WriteString(w, `{"rows":[{"_id":"a","amount":10,"label":"bread"},{"_id":"b","amount":-3}],"next":"p2"}`)
			return
		}
		_, _ = io.WriteString(w, `{"rows":[{"_id":"c","amount":5.5,"label":"salary"}]}`)
	})
	mux.HandleFunc("GET /settings/instance", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "application/vnd.api+json")
		_, _ = io.WriteString(w, `{"data":{"attributes":{"locale":"fr"}}}`)
	})
	mux.HandleFunc("POST /data/{doctype}/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.posted = append(f.posted, body)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := r.Header.Get("Authorization") == "Bearer "+f.token
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path+map[bool]string{true: " auth-ok", false: " no-auth"}[ok])
		f.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeCozy) env() Env {
	return Env{URL: f.URL, Credentials: f.token, JobID: "job-1", CouchDoc: `{"_id":"trig-doc"}`, Language: "node", Locale: "fr"}
}

func (f *fakeCozy) seen() ([]string, []json.RawMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...), append([]json.RawMessage(nil), f.posted...)
}

func messages(logs []LogLine) []string {
	out := make([]string, len(logs))
	for i, l := range logs {
		out[i] = l.Level + " " + l.Message
	}
	return out
}

func TestRunServiceEndToEnd(t *testing.T) {
	cozy := newFakeCozy(t)
	script := `
const base = process.env.COZY_URL;
const auth = { Authorization: 'Bearer ' + process.env.COZY_CREDENTIALS };
async function main() {
  console.log('start', process.env.COZY_JOB_ID);
  await new Promise((resolve) => setTimeout(resolve, 30));
  console.info('after timer');
  const [ops, settings] = await Promise.all([
    fetch(base + '/data/io.cozy.bank.operations/_all_docs', { headers: auth }).then((r) => r.json()),
    fetch('/settings/instance').then((r) => r.json()), // relative URL, token added by the sandbox
  ]);
  console.warn('got', ops.total_rows, settings.data.attributes.locale);
  const res = await fetch(base + '/data/io.cozy.notes/', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ total: ops.total_rows, locale: settings.data.attributes.locale, job: process.env.COZY_JOB_ID }),
  });
  console.error('posted', res.status, res.ok, res.headers.get('Content-Type'), await res.text());
}
main();
`
	var r Runner
	res := r.Run(context.Background(), Spec{Name: "notes-sync", Script: []byte(script), Env: cozy.env(),
		Limits: Limits{Wall: 10 * time.Second}})
	if res.Err != nil {
		t.Fatalf("run failed: %v\nlogs: %q", res.Err, messages(res.Logs))
	}
	want := []string{
		"info start job-1",
		"info after timer",
		"warning got 3 fr",
		`error posted 201 true application/json {"ok":true}`,
	}
	if got := messages(res.Logs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n got %q\nwant %q", got, want)
	}
	for i := 1; i < len(res.Logs); i++ {
		if res.Logs[i].Time.Before(res.Logs[i-1].Time) {
			t.Errorf("log %d is older than log %d", i, i-1)
		}
	}
	reqs, posted := cozy.seen()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3: %q", len(reqs), reqs)
	}
	for _, r := range reqs {
		if !strings.HasSuffix(r, "auth-ok") {
			t.Errorf("request without the service token: %s", r)
		}
	}
	if len(posted) != 1 {
		t.Fatalf("server got %d POSTs, want 1", len(posted))
	}
	var doc struct {
		Total  int    `json:"total"`
		Locale string `json:"locale"`
		Job    string `json:"job"`
	}
	if err := json.Unmarshal(posted[0], &doc); err != nil || doc.Total != 3 || doc.Locale != "fr" || doc.Job != "job-1" {
		t.Errorf("posted doc %s (%v)", posted[0], err)
	}
	if res.PeakRSS <= 0 || res.Duration <= 0 {
		t.Errorf("PeakRSS %d, Duration %v: want both positive", res.PeakRSS, res.Duration)
	}
}

func TestRunEsbuildBundle(t *testing.T) {
	cozy := newFakeCozy(t)
	bundle, err := os.ReadFile("testdata/bundle/service.bundle.js")
	if err != nil {
		t.Fatal(err)
	}
	var r Runner
	res := r.Run(context.Background(), Spec{Name: "bundle", Script: bundle, Env: cozy.env(), Limits: Limits{Wall: 10 * time.Second}})
	if res.Err != nil {
		t.Fatalf("bundle failed: %v\nlogs: %q", res.Err, messages(res.Logs))
	}
	want := []string{"debug op a BREAD", "debug op b (no label)", "debug op c SALARY", "info saved summary of 3 operations: 201"}
	if got := messages(res.Logs); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n got %q\nwant %q", got, want)
	}
	_, posted := cozy.seen()
	if len(posted) != 1 || !strings.Contains(string(posted[0]), `"total":12.5`) || !strings.Contains(string(posted[0]), `"trigger":"trig-doc"`) {
		t.Errorf("posted %q", posted)
	}
}

// TestRunRefusals covers what a service must not do; each run ends with a
// clear error and the parent keeps working.
func TestRunRefusals(t *testing.T) {
	cozy := newFakeCozy(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the non-allowed server was reached: %s %s", r.Method, r.URL)
	}))
	defer other.Close()

	const mib = 1 << 20
	tests := []struct {
		name    string
		script  string
		limits  Limits
		wantIs  error  // errors.Is target, or nil for a ScriptError
		wantMsg string // substring of the error (ScriptError message)
		within  time.Duration
	}{
		{name: "infinite loop", script: `for (;;) {}`, limits: Limits{Wall: time.Second}, wantIs: ErrTimeLimit, within: 2 * time.Second},
		{name: "loop in a timer", script: `setTimeout(() => { while (true) {} }, 10)`, limits: Limits{Wall: time.Second}, wantIs: ErrTimeLimit, within: 2 * time.Second},
		{name: "never settles", script: `setInterval(() => {}, 50); (async () => { await new Promise(() => {}); })()`, limits: Limits{Wall: 500 * time.Millisecond}, wantIs: ErrTimeLimit, within: 1500 * time.Millisecond},
		{name: "1 GiB string repeat", script: `const s = "x".repeat(1 << 30); console.log(s.length)`, limits: Limits{MemoryBytes: 256 * mib}, wantIs: ErrMemoryLimit},
		{name: "1 GiB array fill", script: `const a = new Array(2e8).fill(0); console.log(a.length)`, limits: Limits{MemoryBytes: 256 * mib}, wantIs: ErrMemoryLimit},
		{name: "object loop", script: `const a = []; for (let i = 0; ; i++) a.push({ i, s: "item " + i })`, limits: Limits{MemoryBytes: 256 * mib}, wantIs: ErrMemoryLimit},
		{name: "1 GiB ArrayBuffer", script: `const b = new Uint8Array(1 << 30); b.fill(1)`, limits: Limits{MemoryBytes: 256 * mib}, wantIs: ErrMemoryLimit},
		{name: "string doubling", script: `let s = "xxxxxxxx"; for (;;) s += s`, limits: Limits{MemoryBytes: 256 * mib}, wantIs: ErrMemoryLimit},
		{name: "output flood", script: `for (;;) console.log("flood ".repeat(100))`, limits: Limits{OutputBytes: 64 << 10}, wantIs: ErrOutputLimit},
		{name: "thrown error", script: `function f() { throw new Error("boom: no account") } f()`, wantMsg: "Error: boom: no account"},
		{name: "syntax error", script: `let = = 1`, wantMsg: "SyntaxError"},
		{name: "unhandled rejection", script: `(async () => { await null; throw new TypeError("bad doc") })()`, wantMsg: "unhandled promise rejection: TypeError: bad doc"},
		{name: "throw in a timer", script: `setTimeout(() => { null.x }, 5); setTimeout(() => console.log("never"), 200)`, wantMsg: "TypeError"},
		{name: "process.exit(2)", script: `console.log("bye"); process.exit(2); console.log("not reached")`, wantIs: ErrExit, wantMsg: "process.exit(2)"},
		{name: "fs outside the scratch directory", script: `require("fs").readFileSync("/etc/passwd")`, wantMsg: `EACCES: permission denied (outside the service's scratch directory), open '/etc/passwd'`},
		{name: "require net", script: `require("net").connect(22, "127.0.0.1")`, wantMsg: `Cannot find module "net"`},
		{name: "require a host file", script: `require("/etc/passwd")`, wantMsg: `Cannot find module "/etc/passwd"`},
		{name: "require a json file", script: `require("./package.json")`, wantMsg: `Cannot find module "./package.json"`},
		{name: "child_process refuses", script: `require("node:child_process").execSync("id")`, wantMsg: `child_process.execSync: the sandbox cannot start processes`},
		{name: "HOME is not there", script: `if (process.env.HOME !== undefined) throw new Error("HOME leaked: " + process.env.HOME); throw new Error("HOME undefined")`, wantMsg: "Error: HOME undefined"},
		{name: "fetch another origin", script: `fetch(` + jsString(other.URL+"/steal") + `).then(() => console.log("fetched"))`, wantMsg: "is not allowed for this service"},
		{name: "fetch a file URL", script: `fetch("file:///etc/passwd").then(() => console.log("fetched"))`, wantMsg: "scheme must be http or https"},
	}
	var r Runner
	for _, tt := range tests {
		if raceBuild && tt.wantIs == ErrMemoryLimit {
			// A -race child runs without rlimits (see race.go); its
			// watchdog alone cannot stop single huge allocations.
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			res := r.Run(context.Background(), Spec{Name: "bad", Script: []byte(tt.script), Env: cozy.env(), Limits: tt.limits})
			if res.Err == nil {
				t.Fatalf("no error; logs %q", messages(res.Logs))
			}
			if tt.wantIs != nil && !errors.Is(res.Err, tt.wantIs) {
				t.Fatalf("error %v, want %v", res.Err, tt.wantIs)
			}
			if tt.wantIs == nil {
				var se *ScriptError
				if !errors.As(res.Err, &se) {
					t.Fatalf("error %T %v, want a *ScriptError", res.Err, res.Err)
				}
			}
			if !strings.Contains(res.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", res.Err, tt.wantMsg)
			}
			if tt.within > 0 && res.Duration > tt.within {
				t.Errorf("stopped after %v, want within %v", res.Duration, tt.within)
			}
			if tt.limits.MemoryBytes > 0 && res.PeakRSS > 2*tt.limits.MemoryBytes {
				t.Errorf("peak RSS %d MiB, more than twice the limit", res.PeakRSS/mib)
			}
			for _, l := range res.Logs {
				if strings.Contains(l.Message, "not reached") || strings.Contains(l.Message, "never") || strings.Contains(l.Message, "fetched") {
					t.Errorf("unexpected log %q", l.Message)
				}
			}
			t.Logf("%s: %v (%v, peak RSS %d MiB, %d log lines)", tt.name, res.Err, res.Duration.Round(time.Millisecond), res.PeakRSS/mib, len(res.Logs))
		})
	}

	// The parent is unharmed: it holds little once its garbage (the flood
	// runs' output passes through it) is collected, and a normal run still
	// works.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 64*mib {
		t.Errorf("parent heap is %d MiB after the runs", ms.HeapAlloc/mib)
	}
	res := r.Run(context.Background(), Spec{Name: "ok", Script: []byte(`console.log("still fine")`)})
	if res.Err != nil || len(res.Logs) != 1 || res.Logs[0].Message != "still fine" {
		t.Errorf("run after the refusals: %v %q", res.Err, messages(res.Logs))
	}
}

func TestRunEnvIsExactlyTheAllowedSet(t *testing.T) {
	t.Setenv("COZY_SECRET_OF_PARENT", "leak")
	tests := []struct {
		name string
		env  Env
		want string
	}{
		{name: "service", env: Env{URL: "http://127.0.0.1:1", Credentials: "tok"},
			want: "COZY_COUCH_DOC,COZY_CREDENTIALS,COZY_JOB_ID,COZY_LANGUAGE,COZY_LOCALE,COZY_TIME_LIMIT,COZY_URL|30"},
		{name: "konnector", env: Env{URL: "http://127.0.0.1:1", Fields: `{"account":"a1"}`, TriggerID: "t1"},
			want: "COZY_COUCH_DOC,COZY_CREDENTIALS,COZY_FIELDS,COZY_JOB_ID,COZY_LANGUAGE,COZY_LOCALE,COZY_TIME_LIMIT,COZY_TRIGGER_ID,COZY_URL|30"},
	}
	var r Runner
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.Run(context.Background(), Spec{Name: "env", Env: tt.env, Limits: Limits{Wall: 30 * time.Second},
				Script: []byte(`console.log(Object.keys(process.env).sort().join(",") + "|" + process.env.COZY_TIME_LIMIT)`)})
			if res.Err != nil || len(res.Logs) != 1 {
				t.Fatalf("%v %q", res.Err, messages(res.Logs))
			}
			if res.Logs[0].Message != tt.want {
				t.Errorf("env %q, want %q", res.Logs[0].Message, tt.want)
			}
		})
	}
}

// TestRunRegexpTimeout: a catastrophic backtracking regexp, which the
// interrupt cannot stop, gives up after the child's match timeout.
func TestRunRegexpTimeout(t *testing.T) {
	var r Runner
	res := r.Run(context.Background(), Spec{Name: "regexp", Limits: Limits{Wall: 10 * time.Second},
		Script: []byte(`console.log(/^(a+)+(?=c)/.test("a".repeat(40) + "b"))`)})
	if res.Err != nil || len(res.Logs) != 1 || res.Logs[0].Message != "false" {
		t.Fatalf("%v %q", res.Err, messages(res.Logs))
	}
	if res.Duration > 5*time.Second {
		t.Errorf("took %v; the match timeout is %v", res.Duration, regexpTimeout)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var r Runner
	done := make(chan Result, 1)
	go func() {
		done <- r.Run(ctx, Spec{Name: "hang", Script: []byte(`console.log("up"); for (;;) {}`), Limits: Limits{Wall: time.Minute}})
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	res := <-done
	if !errors.Is(res.Err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", res.Err)
	}
}

func TestRunBadSpec(t *testing.T) {
	tests := []struct {
		name   string
		runner Runner
		spec   Spec
		want   string
	}{
		{name: "no script", spec: Spec{Name: "x"}, want: "empty script"},
		{name: "bad origin", spec: Spec{Name: "x", Script: []byte("1"), AllowedOrigins: []string{"ftp://h"}}, want: "scheme must be http or https"},
		{name: "missing executable", runner: Runner{Executable: "/nonexistent/cozy"}, spec: Spec{Name: "x", Script: []byte("1")}, want: "starting /nonexistent/cozy"},
		{name: "not a sandbox child", runner: Runner{Executable: "/bin/true"}, spec: Spec{Name: "x", Script: []byte("1")}, want: "without a result"},
		{name: "child that hangs", runner: Runner{Executable: "testdata/fakechild/hang.sh", KillGrace: 50 * time.Millisecond},
			spec: Spec{Name: "x", Script: []byte("1"), Limits: Limits{Wall: 100 * time.Millisecond}}, want: "did not stop by itself and was killed"},
		{name: "child that floods", runner: Runner{Executable: "testdata/fakechild/flood.sh"},
			spec: Spec{Name: "x", Script: []byte("1"), Limits: Limits{OutputBytes: 10 << 10}}, want: "output limit exceeded: the child was killed"},
		{name: "child that writes garbage", runner: Runner{Executable: "testdata/fakechild/garbage.sh"},
			spec: Spec{Name: "x", Script: []byte("1")}, want: "bad output from the child: undecodable frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.runner.Run(context.Background(), tt.spec)
			if res.Err == nil || !strings.Contains(res.Err.Error(), tt.want) {
				t.Errorf("error %v, want it to mention %q", res.Err, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		kill   int
		end    *frame
		stderr string
		want   error
	}{
		{name: "killed at deadline", kill: killTime, want: ErrTimeLimit},
		{name: "killed on overflow", kill: killOutput, want: ErrOutputLimit},
		{name: "go oom", stderr: "fatal error: runtime: out of memory\n\ngoroutine 1", want: ErrMemoryLimit},
		{name: "mmap failed", stderr: "runtime: mmap: cannot allocate memory", want: ErrMemoryLimit},
		{name: "thread creation", stderr: "runtime: failed to create new OS thread (have 7 already; errno=12)", want: ErrMemoryLimit},
		{name: "cgo thread creation", stderr: "runtime/cgo: pthread_create failed: Resource temporarily unavailable", want: ErrMemoryLimit},
		{name: "memory watchdog", end: &frame{Status: statusMemory}, want: ErrMemoryLimit},
		{name: "ok", end: &frame{Status: statusOK}, want: nil},
	}
	if err := classify(killNone, nil, nil, errors.New("exit status 2"), "panic: boom\n", nil, false); err == nil || errors.Is(err, ErrMemoryLimit) || !strings.Contains(err.Error(), "panic: boom") {
		t.Errorf("plain crash classified as %v", err)
	}
	// A crash of the runtime at the memory wall is the memory limit.
	if err := classify(killNone, nil, nil, errors.New("exit status 2"), "SIGSEGV: segmentation violation\n", nil, true); !errors.Is(err, ErrMemoryLimit) {
		t.Errorf("crash near the memory limit classified as %v", err)
	}
	if nearLimit(100<<20, 256<<20) || !nearLimit(200<<20, 256<<20) || nearLimit(1<<30, 0) {
		t.Error("nearLimit")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(tt.kill, tt.end, nil, errors.New("exit status 2"), tt.stderr, nil, false)
			if tt.want == nil {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadFrames(t *testing.T) {
	good := `{"k":"log","t":1,"l":"info","m":"a"}` + "\n" + `{"k":"end","s":"ok"}` + "\n"
	logs, end, err := readFrames(strings.NewReader(good), 1<<10)
	if err != nil || len(logs) != 1 || end == nil || end.Status != statusOK {
		t.Errorf("good stream: %v %v %v", logs, end, err)
	}
	if _, _, err := readFrames(strings.NewReader(strings.Repeat("x", 5000)+"\n"), 1<<10); !errors.Is(err, errOutputOverflow) {
		t.Errorf("long line: %v, want overflow", err)
	}
	if _, _, err := readFrames(strings.NewReader("not json\n"), 1<<10); err == nil {
		t.Error("garbage accepted")
	}
	if _, end, err := readFrames(strings.NewReader(`{"k":"log","m":"x"}`+"\n"), 1<<10); err != nil || end != nil {
		t.Errorf("stream without end: %v %v", end, err)
	}
}

func TestHeadBuffer(t *testing.T) {
	h := &headBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := h.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if h.String() != "abcde" {
		t.Errorf("kept %q, want abcde", h.String())
	}
}

// jsString quotes s as a JS string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// BenchmarkSandboxStart measures a run of a script that logs once: child
// start, runtime setup, the log and the exit (ns/op). It also reports the
// mean time from Run to the first log line and the peak RSS of a child.
func BenchmarkSandboxStart(b *testing.B) {
	var r Runner
	spec := Spec{Name: "bench", Script: []byte(`console.log("ready")`)}
	var (
		rss        int64
		firstLog   time.Duration
		iterations int
	)
	for b.Loop() {
		start := time.Now()
		res := r.Run(context.Background(), spec)
		if res.Err != nil || len(res.Logs) != 1 {
			b.Fatalf("%v %v", res.Err, res.Logs)
		}
		firstLog += res.Logs[0].Time.Sub(start)
		iterations++
		rss = max(rss, res.PeakRSS)
	}
	b.ReportMetric(float64(firstLog.Microseconds())/1000/float64(iterations), "ms-to-first-log")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
}

// BenchmarkSandboxBundle runs the esbuild bundle against a loopback server.
func BenchmarkSandboxBundle(b *testing.B) {
	bundle, err := os.ReadFile("testdata/bundle/service.bundle.js")
	if err != nil {
		b.Fatal(err)
	}
	cozy := newFakeCozy(b)
	var r Runner
	spec := Spec{Name: "bundle", Script: bundle, Env: cozy.env()}
	var rss int64
	for b.Loop() {
		res := r.Run(context.Background(), spec)
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		rss = max(rss, res.PeakRSS)
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
}
