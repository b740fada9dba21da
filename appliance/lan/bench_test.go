package lan

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

const envFootprint = "LAN_TEST_FOOTPRINT" // "idle" or "serve" in the measuring child

// BenchmarkFootprint20x10 measures what the LAN names cost the server: a
// box with 20 instances of 10 apps each (221 .local names) on one
// interface, with the LAN DNS server, once every name is claimed. Each
// measure is a fresh child process (this test binary, TestFootprintHelper):
// one that only starts, one that serves; the report is the resident set
// (VmRSS) of both and their difference, the anonymous part of that
// difference (RssAnon: memory, not the code pages the child touched), the
// Go heap in use and the
// goroutines the Service runs.
func BenchmarkFootprint20x10(b *testing.B) {
	needLink(b)
	var idle, serve map[string]float64
	for b.Loop() {
		idle, serve = measure(b, "idle"), measure(b, "serve")
	}
	b.ReportMetric(idle["rss"]/(1<<10), "idle-rss-KiB")
	b.ReportMetric(serve["rss"]/(1<<10), "serving-rss-KiB")
	b.ReportMetric((serve["rss"]-idle["rss"])/(1<<10), "rss-cost-KiB")
	b.ReportMetric((serve["anon"]-idle["anon"])/(1<<10), "anon-rss-cost-KiB")
	b.ReportMetric((serve["heap"]-idle["heap"])/(1<<10), "heap-cost-KiB")
	b.ReportMetric(serve["goroutines"]-idle["goroutines"], "goroutines")
}

// measure runs TestFootprintHelper in a child and reads its figures.
func measure(b *testing.B, mode string) map[string]float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestFootprintHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), envFootprint+"="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s: %v\n%s", mode, err, out)
	}
	figures := map[string]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "footprint" {
			v, _ := strconv.ParseFloat(f[2], 64)
			figures[f[1]] = v
		}
	}
	if len(figures) != 4 {
		b.Fatalf("%s: no figures in\n%s", mode, out)
	}
	return figures
}

// TestFootprintHelper is BenchmarkFootprint20x10's measuring child.
func TestFootprintHelper(t *testing.T) {
	mode := os.Getenv(envFootprint)
	if mode == "" {
		t.Skip("the measuring child of BenchmarkFootprint20x10")
	}
	if mode == "serve" {
		var list []Instance
		for i := range 20 {
			inst := Instance{Domain: fmt.Sprintf("user%02d.local", i)}
			for j := range 10 {
				inst.AppHosts = append(inst.AppHosts, fmt.Sprintf("user%02d-app%d.local", i, j))
			}
			list = append(list, inst)
		}
		dir := DirectoryFunc(func(context.Context) ([]Instance, error) { return list, nil })
		s, err := Start(context.Background(), Config{Directory: dir, Interfaces: []string{boxIf},
			DNS:    &DNSConfig{Addr: "127.0.0.1:0", Upstreams: []string{"127.0.0.1:9"}},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		waitFor(t, "221 names claimed", func() bool { return len(s.Claimed()[boxIf]) == 221 })
	}
	// Steady state: the heap's free pages go back to the system first.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	kB := map[string]float64{}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(v, " kB") {
			kB[k], _ = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		}
	}
	fmt.Printf("footprint rss %.0f\nfootprint anon %.0f\nfootprint heap %d\nfootprint goroutines %d\n",
		kB["VmRSS"]*1024, kB["RssAnon"]*1024, ms.HeapInuse, runtime.NumGoroutine())
}
