package data_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// heapObjects reads the bytes of heap objects (live or not yet swept), as
// runtime/metrics keeps them current between collections.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapHeld reads the heap memory the runtime holds from the OS (objects,
// free and unused spans, not what it released).
func heapHeld() uint64 {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64() + s[2].Value.Uint64()
}

// peakDuring samples heapObjects every 200 µs while fn runs and returns
// the highest value seen.
func peakDuring(fn func()) uint64 {
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			peak = max(peak, heapObjects())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	wg.Wait()
	return max(peak, heapObjects())
}

// BenchmarkStreamMemory100k loads 100k documents, then reads the whole
// _changes feed and _all_docs?include_docs=true once each, reading the
// answer as a client does (in 32 KiB pieces). It reports the peak heap
// above the level before the request (peak-heap-MB), and the heap the
// runtime still holds 20 s after the answer with no forced collection
// (held-20s-MB, above the same level), as the issue measured it. Server
// and client share the process: the client's share is its 32 KiB buffer.
func BenchmarkStreamMemory100k(b *testing.B) {
	e := benchEnv(b)
	t := ours(e)
	load(b, t, 100000)
	for _, path := range []string{"/_changes", "/_all_docs?include_docs=true"} {
		b.Run(path[1:], func(b *testing.B) {
			runtime.GC()
			runtime.GC()
			base, baseHeld := heapObjects(), heapHeld()
			var n int64
			start := time.Now()
			peak := peakDuring(func() {
				r, err := t.req("GET", path, "")
				if err != nil {
					b.Fatal(err)
				}
				res, err := http.DefaultClient.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				defer res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: status %d", path, res.StatusCode)
				}
				if n, err = io.CopyBuffer(io.Discard, res.Body, make([]byte, 32<<10)); err != nil {
					b.Fatal(err)
				}
			})
			elapsed := time.Since(start)
			time.Sleep(20 * time.Second) // the measurement itself: what is still held later
			held := heapHeld()
			mb := func(v, from uint64) float64 {
				if v < from {
					return 0
				}
				return float64(v-from) / (1 << 20)
			}
			b.ReportMetric(mb(peak, base), "peak-heap-MB")
			b.ReportMetric(mb(held, baseHeld), "held-20s-MB")
			b.ReportMetric(float64(n)/(1<<20), "answer-MB")
			b.ReportMetric(float64(elapsed.Milliseconds()), "ms")
		})
	}
}

// serveAt runs the binary bin as `cozy serve --dev` over the data of dir
// (kept between runs) on port (0: a free one; the dev instance's domain
// names it, so a later run on the same data takes the same one); it
// returns the child and a CLI token for io.cozy.bench.
func serveAt(b *testing.B, bin, dir string, port int) (*child, string) {
	b.Helper()
	if port == 0 {
		port = freePort(b)
	}
	adminPort := freePort(b)
	domain := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--dev", "--log-level", "warn",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--admin-host", "127.0.0.1", "--admin-port", strconv.Itoa(adminPort),
		"--fs-url", "file://"+filepath.Join(dir, "data"), "--dev-domain", domain)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	c := startChild(b, cmd, port, filepath.Join(dir, fmt.Sprintf("serve-%d.log", port)))
	q := url.Values{"Domain": {domain}, "Audience": {"cli"}, "Scope": {"io.cozy.bench"}}
	tok := c.waitFor(b, "POST", fmt.Sprintf("http://127.0.0.1:%d/instances/token?%s", adminPort, q.Encode()))
	return c, string(bytes.TrimSpace(tok))
}

// procKB reads a field of /proc/PID/status (VmHWM, VmRSS) in kB.
func (c *child) procKB(b *testing.B, field string) float64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				b.Fatal(err)
			}
			return float64(n)
		}
	}
	b.Fatalf("no %s in /proc status", field)
	return 0
}

// BenchmarkBinaryStream100k measures the real binary: 100k documents are
// loaded by one server process, then a fresh process on the same data
// answers one request (a whole _changes, or _all_docs?include_docs=true);
// its anonymous RSS (sampled every 2 ms) at its peak above the level
// before the request, and 20 s later, are reported, with the pages of the
// store file it mapped (file-rss-MB, page cache the kernel reclaims).
func BenchmarkBinaryStream100k(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "cozy")
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, "./cmd/cozy")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	srv, tok := serveAt(b, bin, dir, 0)
	port := mustPort(b, srv.base)
	load(b, target{db: srv.base + "/data/io.cozy.bench", auth: "Bearer " + tok, create: "/"}, 100000)
	syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGTERM)
	srv.cmd.Wait()
	for _, path := range []string{"/_changes", "/_all_docs?include_docs=true"} {
		b.Run(path[1:], func(b *testing.B) {
			srv, tok := serveAt(b, bin, dir, port)
			t := target{db: srv.base + "/data/io.cozy.bench", auth: "Bearer " + tok}
			t.call(b, "GET", "/_all_docs?limit=1", "", http.StatusOK) // the store is open
			// RssAnon is the process's own memory (heap, stacks); RssFile
			// counts the pages of the mapped store file it read, which
			// belong to the page cache.
			base := srv.procKB(b, "RssAnon")
			var peak float64
			var body []byte
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(2 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						peak = max(peak, srv.procKB(b, "RssAnon"))
					}
				}
			}()
			body = t.call(b, "GET", path, "", http.StatusOK)
			close(stop)
			wg.Wait()
			peak = max(peak, srv.procKB(b, "RssAnon"))
			file := srv.procKB(b, "RssFile")
			time.Sleep(20 * time.Second) // the measurement itself: what is still held later
			held := srv.procKB(b, "RssAnon")
			b.ReportMetric((peak-base)/1024, "peak-anon-rss-above-MB")
			b.ReportMetric((held-base)/1024, "anon-rss-20s-above-MB")
			b.ReportMetric(base/1024, "anon-rss-before-MB")
			b.ReportMetric(file/1024, "file-rss-MB")
			b.ReportMetric(float64(len(body))/(1<<20), "answer-MB")
		})
	}
}

// mustPort returns the port of a base URL http://127.0.0.1:port.
func mustPort(b *testing.B, base string) int {
	b.Helper()
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		b.Fatal(err)
	}
	return p
}
