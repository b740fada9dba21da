package data_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// Benchmarks do a fixed amount of work (make bench runs them once with
// -benchtime 1x). Each workload runs against our server and against
// pouchdb-server (npm, leveldb adapter) started as a child process in the
// same run; both figures are reported with b.ReportMetric, plus
// ratio_vs_pouchdb_server (> 1 means we are faster).

func benchEnv(b *testing.B) *env {
	b.Helper()
	e := setup(b, 0)
	e.tok = e.Token(b, "io.cozy.bench")
	return e
}

// target is one database under test: ours (/data/io.cozy.bench with a
// token) or a pouchdb-server database (no credentials: admin party).
type target struct {
	db     string // URL of the database, without trailing slash
	auth   string // Authorization header, or ""
	create string // path that creates a document: "/" for us, "" for pouchdb-server
}

func ours(e *env) target {
	return target{db: e.URL() + "/data/io.cozy.bench", auth: "Bearer " + e.tok, create: "/"}
}

func (t target) req(method, path, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, t.db+path, rd)
	if err != nil {
		return nil, err
	}
	if t.auth != "" {
		r.Header.Set("Authorization", t.auth)
	}
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}

// call makes one request and fails the benchmark unless the status is want.
func (t target) call(b *testing.B, method, path, body string, want int) []byte {
	b.Helper()
	r, err := t.req(method, path, body)
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, t.db+path, res.StatusCode, out)
	}
	return out
}

// stats are the figures of one timed run.
type stats struct {
	p50, p99 time.Duration
	rps      float64
}

// timed runs n requests on conc workers and measures their latencies.
func timed(b *testing.B, n, conc int, req func(i int) (*http.Request, error)) stats {
	b.Helper()
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := req(i)
				t0 := time.Now()
				var res *http.Response
				if err == nil {
					res, err = http.DefaultClient.Do(r)
				}
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						err = fmt.Errorf("%s %s: status %d", r.Method, r.URL, res.StatusCode)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	total := time.Since(start)
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	slices.Sort(lat)
	return stats{p50: lat[n/2], p99: lat[n*99/100], rps: float64(n) / total.Seconds()}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// report publishes our figures, pouchdb-server's (prefixed pouch-) and the
// throughput ratio (ours / theirs; at concurrency 1 it is the ratio of mean
// latencies).
func report(b *testing.B, our, their stats) {
	b.Helper()
	b.ReportMetric(ms(our.p50), "p50-ms")
	b.ReportMetric(ms(our.p99), "p99-ms")
	b.ReportMetric(our.rps, "req/s")
	b.ReportMetric(ms(their.p50), "pouch-p50-ms")
	b.ReportMetric(ms(their.p99), "pouch-p99-ms")
	b.ReportMetric(their.rps, "pouch-req/s")
	b.ReportMetric(our.rps/their.rps, "ratio_vs_pouchdb_server")
}

// e2eModule returns web/e2e, with its node_modules installed by make test-deps.
func e2eModule(b *testing.B, module string) string {
	b.Helper()
	dir := webtest.E2EDir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module)); err != nil {
		b.Fatalf("web/e2e/node_modules/%s is missing: run make test-deps (%v)", module, err)
	}
	return dir
}

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(b *testing.B) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// child is a server run as a child process in its own process group,
// killed by its PID when the benchmark ends.
type child struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  string
}

func startChild(b *testing.B, cmd *exec.Cmd, port int, logPath string) *child {
	b.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	logFile.Close()
	c := &child{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath}
	b.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return c
}

func (c *child) logText() string {
	out, _ := os.ReadFile(c.log)
	return string(out)
}

// waitFor polls url until it answers 200 or 30 s pass.
func (c *child) waitFor(b *testing.B, method, url string) []byte {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(method, url, nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return body
			}
			err = fmt.Errorf("status %d: %s", res.StatusCode, body)
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not answer: %v\n%s", url, err, c.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// peakRSS reads the child's peak resident set size (VmHWM) in MB.
func (c *child) peakRSS(b *testing.B) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}

// cpuMs reads the child's user+system CPU time so far, in ms (clock ticks
// of 10 ms, the Linux default USER_HZ).
func (c *child) cpuMs(b *testing.B) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces): state is 3rd,
	// utime and stime are the 14th and 15th of the whole line.
	_, rest, _ := strings.Cut(string(raw), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		b.Fatalf("short /proc stat: %q", raw)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("bad /proc stat: %q", raw)
	}
	return (ut + st) * 10
}

// pouchServer starts pouchdb-server (leveldb, data in a temp dir) on a free
// port of 127.0.0.1.
func pouchServer(b *testing.B) *child {
	b.Helper()
	e2e := e2eModule(b, "pouchdb-server")
	dir := b.TempDir()
	port := freePort(b)
	cmd := exec.Command("node", filepath.Join(e2e, "node_modules", "pouchdb-server", "bin", "pouchdb-server"),
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--config", filepath.Join(dir, "config.json"), "--no-stdout-logs")
	cmd.Dir = dir
	c := startChild(b, cmd, port, filepath.Join(dir, "server.log"))
	c.waitFor(b, "GET", c.base+"/")
	return c
}

// pouchDB creates database name on pouchdb-server.
func (c *child) pouchDB(b *testing.B, name string) target {
	b.Helper()
	t := target{db: c.base + "/" + name}
	t.call(b, "PUT", "", "", http.StatusCreated)
	return t
}

func BenchmarkHTTPCreate(b *testing.B) {
	ps := pouchServer(b)
	for _, conc := range []int{1, 16} {
		b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) {
			create := func(t target) stats {
				return timed(b, 2000, conc, func(i int) (*http.Request, error) {
					return t.req("POST", t.create, fmt.Sprintf(`{"n":%d,"label":"doc %d"}`, i, i))
				})
			}
			our := create(ours(benchEnv(b)))
			their := create(ps.pouchDB(b, fmt.Sprintf("create-c%d", conc)))
			report(b, our, their)
		})
	}
}

// load writes n documents through _bulk_docs.
func load(b *testing.B, t target, n int) {
	b.Helper()
	for i := 0; i < n; i += 1000 {
		docs := make([]map[string]any, 0, 1000)
		for j := i; j < i+1000 && j < n; j++ {
			docs = append(docs, map[string]any{"_id": fmt.Sprintf("doc-%06d", j), "n": j, "label": fmt.Sprintf("label %d", j%100)})
		}
		body, _ := json.Marshal(map[string]any{"docs": docs})
		t.call(b, "POST", "/_bulk_docs", string(body), http.StatusCreated)
	}
}

func BenchmarkHTTPGet(b *testing.B) {
	ps := pouchServer(b)
	get := func(t target) stats {
		load(b, t, 10000)
		return timed(b, 5000, 1, func(i int) (*http.Request, error) {
			return t.req("GET", fmt.Sprintf("/doc-%06d", (i*7919)%10000), "")
		})
	}
	our := get(ours(benchEnv(b)))
	their := get(ps.pouchDB(b, "get"))
	report(b, our, their)
}

// BenchmarkDocs100k loads 100k documents once in each server, then times
// _find (with an index on label, n) and full _changes feeds.
func BenchmarkDocs100k(b *testing.B) {
	ps := pouchServer(b)
	targets := []target{ours(benchEnv(b)), ps.pouchDB(b, "docs100k")}
	for _, t := range targets {
		// The index is created first: building it over 100k stored
		// documents takes much longer than maintaining it while they are
		// written.
		t.call(b, "POST", "/_index", `{"index":{"fields":["label","n"]}}`, http.StatusOK)
		load(b, t, 100000)
		// pouchdb-server builds its indexes lazily on the first query: a
		// warm-up query for both, outside the timings.
		t.call(b, "POST", "/_find", `{"selector":{"label":"label 1","n":{"$gt":0}},"limit":1}`, http.StatusOK)
	}
	b.Run("find", func(b *testing.B) {
		var s [2]stats
		for k, t := range targets {
			s[k] = timed(b, 500, 1, func(i int) (*http.Request, error) {
				return t.req("POST", "/_find", fmt.Sprintf(`{"selector":{"label":"label %d","n":{"$gt":%d}},"limit":50}`, i%100, i*100))
			})
		}
		report(b, s[0], s[1])
	})
	b.Run("changes", func(b *testing.B) {
		var s [2]stats
		for k, t := range targets {
			s[k] = timed(b, 5, 1, func(int) (*http.Request, error) {
				return t.req("GET", "/_changes", "")
			})
		}
		report(b, s[0], s[1])
	})
}

// ourServer builds the real binary and runs `cozy serve --dev` on free
// ports of 127.0.0.1, with its dev instance at 127.0.0.1:port. It returns
// the child and a CLI token for io.cozy.bench from the admin API.
func ourServer(b *testing.B) (*child, string) {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "cozy")
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, "./cmd/cozy")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	port, adminPort := freePort(b), freePort(b)
	domain := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--dev", "--log-level", "warn",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--admin-host", "127.0.0.1", "--admin-port", strconv.Itoa(adminPort),
		"--fs-url", "file://"+filepath.Join(dir, "data"), "--dev-domain", domain)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	c := startChild(b, cmd, port, filepath.Join(dir, "serve.log"))
	q := url.Values{"Domain": {domain}, "Audience": {"cli"}, "Scope": {"io.cozy.bench"}}
	tok := c.waitFor(b, "POST", fmt.Sprintf("http://127.0.0.1:%d/instances/token?%s", adminPort, q.Encode()))
	return c, string(bytes.TrimSpace(tok))
}

// replicate runs web/e2e/pouchdb/bench.mjs for one phase and returns its
// duration in ms.
func replicate(b *testing.B, e2e, phase string, env ...string) float64 {
	b.Helper()
	cmd := exec.Command("node", filepath.Join(e2e, "pouchdb", "bench.mjs"))
	cmd.Dir = e2e
	cmd.Env = append(append(os.Environ(), "COZY_PHASE="+phase), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("bench.mjs %s: %v\n%s", phase, err, out)
	}
	var res struct {
		PushMs float64 `json:"push_ms"`
		PullMs float64 `json:"pull_ms"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		b.Fatalf("bench.mjs output %q: %v", out, err)
	}
	return res.PushMs + res.PullMs
}

// BenchmarkPouchDB10k has PouchDB 9 (node, memory adapter) push 10k
// documents then pull them back, against our real binary and against
// pouchdb-server. Our peak RSS (VmHWM) is read right after the push.
func BenchmarkPouchDB10k(b *testing.B) {
	e2e := e2eModule(b, "pouchdb-core")
	srv, tok := ourServer(b)
	ourEnv := []string{"COZY_URL=" + srv.base, "COZY_TOKEN=" + tok, "COZY_DOCTYPE=io.cozy.bench"}
	cpu0 := srv.cpuMs(b)
	push := replicate(b, e2e, "push", ourEnv...)
	rssPush := srv.peakRSS(b)
	cpu1 := srv.cpuMs(b)
	pull := replicate(b, e2e, "pull", ourEnv...)
	rssPeak := srv.peakRSS(b)
	cpu2 := srv.cpuMs(b)

	ps := pouchServer(b)
	ps.pouchDB(b, "replication")
	theirEnv := []string{"COZY_REMOTE=" + ps.base + "/replication"}
	tcpu0 := ps.cpuMs(b)
	theirPush := replicate(b, e2e, "push", theirEnv...)
	theirRSS := ps.peakRSS(b)
	tcpu1 := ps.cpuMs(b)
	theirPull := replicate(b, e2e, "pull", theirEnv...)
	tcpu2 := ps.cpuMs(b)

	b.ReportMetric(push, "push-ms")
	b.ReportMetric(pull, "pull-ms")
	b.ReportMetric(theirPush, "pouch-push-ms")
	b.ReportMetric(theirPull, "pouch-pull-ms")
	b.ReportMetric(theirPush/push, "push-ratio_vs_pouchdb_server")
	b.ReportMetric(theirPull/pull, "pull-ratio_vs_pouchdb_server")
	b.ReportMetric(rssPush, "push-peak-rss-MB")
	b.ReportMetric(rssPeak, "peak-rss-MB")
	b.ReportMetric(theirRSS, "pouch-push-peak-rss-MB")
	// Server CPU time shows how much of the wall time is the server's: the
	// rest is the PouchDB client (node), the same on both sides.
	b.ReportMetric(cpu1-cpu0, "push-server-cpu-ms")
	b.ReportMetric(cpu2-cpu1, "pull-server-cpu-ms")
	b.ReportMetric(tcpu1-tcpu0, "pouch-push-server-cpu-ms")
	b.ReportMetric(tcpu2-tcpu1, "pouch-pull-server-cpu-ms")
}
