package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
	"github.com/cozypi/cozy/services"
)

func TestMain(m *testing.M) {
	if services.IsChild() {
		services.ChildMain()
		return
	}
	os.Exit(m.Run())
}

var (
	t0      = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	discard = slog.New(slog.NewTextHandler(io.Discard, nil))
	alice   = &instance.Instance{ID: "0123456789abcdef", Domain: "alice.example", Locale: "en"}
)

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := bolt.Open(path, bolt.Options{Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func startBroker(t *testing.T, st store.Store, cfg Config) *Broker {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = discard
	}
	b := NewBroker(alice, st, cfg)
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// waitFor polls cond until it holds; it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitState(t *testing.T, b *Broker, id string, want State) *Job {
	t.Helper()
	var j *Job
	waitFor(t, "job "+id+" "+string(want), func() bool {
		var err error
		j, err = b.Job(context.Background(), id)
		return err == nil && j.State == want
	})
	return j
}

func TestPushRunsJob(t *testing.T) {
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(discard)}})
	j, err := b.Push(context.Background(), Request{Worker: "log", Message: json.RawMessage(`{"hello":"world"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if j.State != Queued || j.Domain != "alice.example" || j.ID == "" {
		t.Fatalf("pushed %+v", j)
	}
	done := waitState(t, b, j.ID, Done)
	if done.ExecCount != 1 || len(done.Logs) != 1 || done.Logs[0].Message != `{"hello":"world"}` || done.StartedAt.IsZero() {
		t.Fatalf("done %+v", done)
	}
}

func TestPushRejects(t *testing.T) {
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}})
	tests := []struct {
		name string
		req  Request
		want error
	}{
		{"unknown worker", Request{Worker: "nope"}, ErrUnknownWorker},
		{"bad message", Request{Worker: "log", Message: json.RawMessage(`{`)}, ErrInvalid},
		{"negative option", Request{Worker: "log", Options: &Options{Timeout: -1}}, ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := b.Push(context.Background(), tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := b.Job(context.Background(), "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing job: %v", err)
	}
}

func TestRetriesUpToMaxExecCount(t *testing.T) {
	clock := NewManualClock(t0)
	var calls atomic.Int32
	w := Worker{RetryDelay: time.Minute, Run: func(ctx context.Context, r *Run) error {
		n := calls.Add(1)
		r.Log("info", "try")
		if n == 4 {
			return nil
		}
		return errors.New("boom")
	}}
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"flaky": w}, Clock: clock})
	ctx := context.Background()
	j, err := b.Push(ctx, Request{Worker: "flaky", Options: &Options{MaxExecCount: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for exec := 1; exec < 3; exec++ {
		waitFor(t, "retry timer", func() bool {
			got, _ := b.Job(ctx, j.ID)
			return got.ExecCount == exec && got.State == Queued && clock.Pending() == 1
		})
		clock.Advance(time.Minute)
	}
	got := waitState(t, b, j.ID, Errored)
	if got.ExecCount != 3 || len(got.Errors) != 3 || got.Error != "boom" || len(got.Logs) != 3 {
		t.Fatalf("errored job %+v", got)
	}
	// The default (3) applies without options; the 4th call succeeds.
	j2, _ := b.Push(ctx, Request{Worker: "flaky"})
	if got := waitState(t, b, j2.ID, Done); got.ExecCount != 1 {
		t.Fatalf("second job %+v", got)
	}
}

func TestTimeout(t *testing.T) {
	w := Worker{Timeout: 20 * time.Millisecond, MaxExecCount: 1, Run: func(ctx context.Context, r *Run) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"slow": w}})
	j, _ := b.Push(context.Background(), Request{Worker: "slow"})
	got := waitState(t, b, j.ID, Errored)
	if !strings.Contains(got.Error, "timeout") {
		t.Fatalf("error %q", got.Error)
	}
}

func TestPanicFailsJob(t *testing.T) {
	w := Worker{MaxExecCount: 1, Run: func(context.Context, *Run) error { panic("oops") }}
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"p": w}})
	j, _ := b.Push(context.Background(), Request{Worker: "p"})
	if got := waitState(t, b, j.ID, Errored); !strings.Contains(got.Error, "oops") {
		t.Fatalf("error %q", got.Error)
	}
}

func TestConcurrencyBound(t *testing.T) {
	var running, peak atomic.Int32
	release := make(chan struct{})
	w := Worker{Concurrency: 2, Run: func(ctx context.Context, r *Run) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		return nil
	}}
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"w": w}})
	var ids []string
	for range 6 {
		j, err := b.Push(context.Background(), Request{Worker: "w"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	waitFor(t, "two running", func() bool { return running.Load() == 2 })
	close(release)
	for _, id := range ids {
		waitState(t, b, id, Done)
	}
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
}

func TestJobsResumeAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st := openStore(t, path)
	started := make(chan struct{}, 1)
	blocking := Worker{Run: func(ctx context.Context, r *Run) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}}
	b1 := NewBroker(alice, st, Config{Workers: map[string]Worker{"w": blocking}, Log: discard})
	if err := b1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	j1, _ := b1.Push(ctx, Request{Worker: "w"})
	j2, _ := b1.Push(ctx, Request{Worker: "w"})
	<-started
	b1.Close() // j1 interrupted while running, j2 still queued
	for _, id := range []string{j1.ID, j2.ID} {
		if got, _ := b1.Job(ctx, id); got.State != Queued || got.ExecCount != 0 {
			t.Fatalf("after stop %+v", got)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A job left "running" by a crash resumes too.
	st2 := openStore(t, path)
	crashed := Job{ID: "crashed", Domain: alice.Domain, Worker: "w", State: Running, QueuedAt: t0}
	if _, err := put(ctx, st2, JobsDoctype, crashed.ID, "", &crashed); err != nil {
		t.Fatal(err)
	}
	var ran atomic.Int32
	quick := Worker{Run: func(context.Context, *Run) error { ran.Add(1); return nil }}
	b2 := startBroker(t, st2, Config{Workers: map[string]Worker{"w": quick}})
	for _, id := range []string{j1.ID, j2.ID, "crashed"} {
		waitState(t, b2, id, Done)
	}
	if ran.Load() != 3 {
		t.Fatalf("ran %d jobs", ran.Load())
	}
}

func TestResumedJobOfUnknownWorkerErrors(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	ghost := Job{ID: "ghost", Domain: alice.Domain, Worker: "gone", State: Queued, QueuedAt: t0}
	if _, err := put(context.Background(), st, JobsDoctype, ghost.ID, "", &ghost); err != nil {
		t.Fatal(err)
	}
	b := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}})
	if got := waitState(t, b, "ghost", Errored); !strings.Contains(got.Error, "unknown worker") {
		t.Fatalf("ghost %+v", got)
	}
}

func TestJobsListing(t *testing.T) {
	clock := NewManualClock(t0)
	b := startBroker(t, openStore(t, filepath.Join(t.TempDir(), "s.db")), Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})
	ctx := context.Background()
	var ids []string
	for range 3 {
		j, _ := b.Push(ctx, Request{Worker: "log", TriggerID: "t1"})
		ids = append(ids, j.ID)
		clock.Advance(time.Second)
	}
	for _, id := range ids {
		waitState(t, b, id, Done)
	}
	got, err := b.Jobs(ctx, func(j *Job) bool { return j.TriggerID == "t1" }, 2)
	if err != nil || len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[1] {
		t.Fatalf("jobs %v %v", got, err)
	}
}

func TestClientWorkerJobs(t *testing.T) {
	clock := NewManualClock(t0)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	cfg := Config{Workers: map[string]Worker{"client": ClientWorker(), "log": LogWorker(nil)}, Clock: clock}
	b := startBroker(t, st, cfg)
	ctx := context.Background()
	tr := &Trigger{Type: TypeClient, Worker: "client"}
	if err := b.AddTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := b.AddTrigger(ctx, &Trigger{Type: TypeClient, Worker: "log"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("@client for log: %v", err)
	}
	j, err := b.Launch(ctx, tr.ID)
	if err != nil || j.State != Running {
		t.Fatalf("launch %+v %v", j, err)
	}
	// A restart leaves the client's job alone.
	b.Close()
	b = startBroker(t, st, cfg)
	clock.Advance(time.Minute)
	got, err := b.PatchJob(ctx, j.ID, Errored, "LOGIN_FAILED")
	if err != nil || got.State != Errored || got.Error != "LOGIN_FAILED" || !got.FinishedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("patch %+v %v", got, err)
	}
	if _, err := b.PatchJob(ctx, j.ID, "bogus", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad state: %v", err)
	}
	lj, _ := b.Push(ctx, Request{Worker: "log"})
	if _, err := b.PatchJob(ctx, lj.ID, Done, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("patch of a server job: %v", err)
	}
	if _, err := b.PatchJob(ctx, "missing", Done, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("patch missing: %v", err)
	}
}

// BenchmarkJobsThroughput pushes batches of 500 jobs to a no-op worker
// (concurrency 4) over a bbolt store and reports the jobs finished per
// second, from Push to the "done" state saved.
func BenchmarkJobsThroughput(b *testing.B) {
	const batch = 500
	st, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), bolt.Options{Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	done := make(chan struct{}, batch)
	noop := Worker{Concurrency: 4, Run: func(context.Context, *Run) error { done <- struct{}{}; return nil }}
	br := NewBroker(alice, st, Config{Workers: map[string]Worker{"noop": noop}, Log: discard})
	if err := br.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var last *Job
		for range batch {
			if last, err = br.Push(ctx, Request{Worker: "noop"}); err != nil {
				b.Fatal(err)
			}
		}
		for range batch {
			<-done
		}
		// The last run's "done" state is saved after Run returns.
		for {
			j, err := br.Job(ctx, last.ID)
			if err != nil {
				b.Fatal(err)
			}
			if j.State == Done {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "jobs/s")
}

// armedTimer reports whether the trigger id is armed with a timer.
func (b *Broker) armedTimer(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.triggers[id]
	return ok && a.stop != nil
}
