package data_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Benchmarks do a fixed amount of work (make bench runs them once) and
// report latency percentiles with b.ReportMetric.

func benchEnv(b *testing.B) *env {
	b.Helper()
	e := newEnv(b, 0)
	e.tok = e.token(b, "io.cozy.bench")
	return e
}

// timed runs n requests on conc workers and reports p50/p99 in ms.
func timed(b *testing.B, n, conc int, req func(i int) (*http.Request, error)) {
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
						err = fmt.Errorf("status %d", res.StatusCode)
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
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(n)/total.Seconds(), "req/s")
}

func (e *env) req(method, path, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	r, err := http.NewRequest(method, e.url()+path, rd)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+e.tok)
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}

func BenchmarkHTTPCreate(b *testing.B) {
	for _, conc := range []int{1, 16} {
		b.Run(fmt.Sprintf("c%d", conc), func(b *testing.B) {
			e := benchEnv(b)
			timed(b, 2000, conc, func(i int) (*http.Request, error) {
				return e.req("POST", "/data/io.cozy.bench/", fmt.Sprintf(`{"n":%d,"label":"doc %d"}`, i, i))
			})
		})
	}
}

// load writes n documents through _bulk_docs.
func load(b *testing.B, e *env, n int) {
	b.Helper()
	for i := 0; i < n; i += 1000 {
		docs := make([]map[string]any, 0, 1000)
		for j := i; j < i+1000 && j < n; j++ {
			docs = append(docs, map[string]any{"_id": fmt.Sprintf("doc-%06d", j), "n": j, "label": fmt.Sprintf("label %d", j%100)})
		}
		body, _ := json.Marshal(map[string]any{"docs": docs})
		if r := e.do(b, "POST", "/data/io.cozy.bench/_bulk_docs", e.tok, string(body)); r.status != 201 {
			b.Fatalf("load: %d %s", r.status, r.body)
		}
	}
}

func BenchmarkHTTPGet(b *testing.B) {
	e := benchEnv(b)
	load(b, e, 10000)
	timed(b, 5000, 1, func(i int) (*http.Request, error) {
		return e.req("GET", fmt.Sprintf("/data/io.cozy.bench/doc-%06d", (i*7919)%10000), "")
	})
}

func BenchmarkFind100k(b *testing.B) {
	e := benchEnv(b)
	// The index is created first: building it over 100k stored documents
	// takes much longer than maintaining it while they are written.
	if r := e.do(b, "POST", "/data/io.cozy.bench/_index", e.tok, `{"index":{"fields":["label","n"]}}`); r.status != 200 {
		b.Fatal(r.body)
	}
	load(b, e, 100000)
	timed(b, 500, 1, func(i int) (*http.Request, error) {
		return e.req("POST", "/data/io.cozy.bench/_find", fmt.Sprintf(`{"selector":{"label":"label %d","n":{"$gt":%d}},"limit":50}`, i%100, i*100))
	})
}

func BenchmarkChanges100k(b *testing.B) {
	e := benchEnv(b)
	load(b, e, 100000)
	timed(b, 5, 1, func(int) (*http.Request, error) {
		return e.req("GET", "/data/io.cozy.bench/_changes", "")
	})
}

func BenchmarkPouchDB10k(b *testing.B) {
	dir, err := filepath.Abs("../e2e")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pouchdb-core")); err != nil {
		b.Fatalf("web/e2e/node_modules is missing: run make test-deps (%v)", err)
	}
	e := benchEnv(b)
	cmd := exec.Command("node", filepath.Join(dir, "pouchdb", "bench.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COZY_URL="+e.url(), "COZY_TOKEN="+e.tok, "COZY_DOCTYPE=io.cozy.bench")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		PushMs float64 `json:"push_ms"`
		PullMs float64 `json:"pull_ms"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		b.Fatalf("bench output %q: %v", out, err)
	}
	b.ReportMetric(res.PushMs, "push-ms")
	b.ReportMetric(res.PullMs, "pull-ms")
}
