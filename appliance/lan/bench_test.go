package lan

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkFootprint20x10 measures what the LAN names cost the server: a
// box with 20 instances of 10 apps each (221 .local names) on one
// interface, with the LAN DNS server, once every name is claimed. It
// reports the Go heap in use and the process's resident set, both as the
// growth over the process before the Service started, and the goroutines
// it runs.
func BenchmarkFootprint20x10(b *testing.B) {
	needLink(b)
	var list []Instance
	for i := range 20 {
		inst := Instance{Domain: fmt.Sprintf("user%02d.local", i)}
		for j := range 10 {
			inst.AppHosts = append(inst.AppHosts, fmt.Sprintf("user%02d-app%d.local", i, j))
		}
		list = append(list, inst)
	}
	dir := DirectoryFunc(func(context.Context) ([]Instance, error) { return list, nil })
	var heap, rss, goroutines float64
	for b.Loop() {
		heap0, rss0, g0 := footprint(b)
		s, err := Start(context.Background(), Config{Directory: dir, Interfaces: []string{boxIf},
			DNS: &DNSConfig{Addr: "127.0.0.1:0", Upstreams: []string{"127.0.0.1:9"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		waitFor(b, "221 names claimed", func() bool { return len(s.Claimed()[boxIf]) == 221 })
		heap1, rss1, g1 := footprint(b)
		heap, rss, goroutines = heap1-heap0, rss1-rss0, float64(g1-g0)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(heap/(1<<10), "heap-KiB")
	b.ReportMetric(rss/(1<<10), "rss-KiB")
	b.ReportMetric(goroutines, "goroutines")
}

// footprint is the heap in use after a collection, the resident set
// (VmRSS) and the goroutine count.
func footprint(b *testing.B) (heap, rss float64, goroutines int) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			rss = kb * 1024
		}
	}
	return float64(ms.HeapInuse), rss, runtime.NumGoroutine()
}
