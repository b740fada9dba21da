package data_test

import (
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync"
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
