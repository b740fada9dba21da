package lan

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

const envFootprint = "LAN_TEST_FOOTPRINT" // "idle" or "serve" in the measuring child

// BenchmarkFootprint20x10 measures what the LAN names cost the server: a
// box with 20 instances of 10 apps each (221 .local names) on one
// interface, with the LAN DNS server, once every name is claimed. Each
// measure is a fresh child process (this test binary, see footprintChild):
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

// measure runs the footprint child (children_test.go) and reads its figures.
func measure(b *testing.B, mode string) map[string]float64 {
	cmd := exec.Command(os.Args[0])
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
