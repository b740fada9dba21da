package lan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// Some tests run this test binary again as a child that plays a part: the
// second box of TestLANWithAvahi, TestUnprivileged's service as nobody,
// BenchmarkFootprint20x10's measured process. TestMain hands such a child
// to runChild before any test runs, so a child is never a test of its own.

// runChild plays the part the environment names and returns the process's
// exit code; ok is false when this process is not a child.
func runChild() (code int, ok bool) {
	var err error
	switch {
	case os.Getenv(envFootprint) != "":
		// Checked first: the benchmark runs in the box namespace, so the
		// child inherits envRole=box.
		err = footprintChild(os.Getenv(envFootprint))
	case os.Getenv(envRole) == "box2":
		err = secondBoxChild()
	case os.Getenv(envRole) == "unprivileged":
		err = unprivilegedChild()
	default:
		return 0, false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1, true
	}
	return 0, true
}

// secondBoxChild is the second box of TestLANWithAvahi, run in its own
// namespace: a box that also wants cozy.local. It prints the name it gets
// and serves until SIGTERM.
func secondBoxChild() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	dir := DirectoryFunc(func(context.Context) ([]Instance, error) {
		return []Instance{{Domain: "cozy.local", AppHosts: []string{"cozy-drive.local"}}}, nil
	})
	s, err := Start(ctx, Config{Directory: dir, OnName: func(n string) { fmt.Println("name", n) },
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// unprivilegedChild is TestUnprivileged's service, run as nobody: it
// prints its effective capabilities, the name it gets and when it has
// claimed an app's name.
func unprivilegedChild() error {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			fmt.Println("capabilities", strings.TrimSpace(v))
		}
	}
	names := make(chan string, 8)
	dir := DirectoryFunc(func(context.Context) ([]Instance, error) {
		return []Instance{{Domain: "unpriv.local", AppHosts: []string{"unpriv-drive.local"}}}, nil
	})
	s, err := Start(context.Background(), Config{Host: "unpriv", Directory: dir, OnName: func(n string) { names <- n },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println("name", <-names)
	if err := until("unpriv-drive claimed", func() bool { return s.Claimed()[boxIf]["unpriv-drive"] == "unpriv-drive" }); err != nil {
		return err
	}
	fmt.Println("claimed unpriv-drive")
	if s.watch == nil {
		return errors.New("no netlink watch as nobody")
	}
	return nil
}

// footprintChild is BenchmarkFootprint20x10's measured process: in mode
// "serve" a Service with 20 instances of 10 apps each and the LAN DNS
// server, once its 221 names are claimed; in mode "idle" nothing. It
// prints its resident set, anonymous memory, heap in use and goroutines.
func footprintChild(mode string) error {
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
			return err
		}
		defer s.Close()
		if err := until("221 names claimed", func() bool { return len(s.Claimed()[boxIf]) == 221 }); err != nil {
			return err
		}
	}
	// Steady state: the heap's free pages go back to the system first.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return err
	}
	kB := map[string]float64{}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(v, " kB") {
			kB[k], _ = strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		}
	}
	fmt.Printf("footprint rss %.0f\nfootprint anon %.0f\nfootprint heap %d\nfootprint goroutines %d\n",
		kB["VmRSS"]*1024, kB["RssAnon"]*1024, ms.HeapInuse, runtime.NumGoroutine())
	return nil
}
