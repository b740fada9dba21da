package instance_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// deadline bounds a wait that must end at once when the code is right: it
// only turns a deadlock into a failure, it never orders anything.
const deadline = 20 * time.Second

// gate blocks the OnStoreOpen hook of one domain until released.
type gate struct {
	domain  string
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate(domain string) *gate {
	return &gate{domain: domain, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) hook(inst *instance.Instance, _ store.Store) {
	if inst.Domain != g.domain {
		return
	}
	g.once.Do(func() { close(g.entered) })
	<-g.release
}

func wait[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(deadline):
		t.Fatalf("%s: still blocked after %s", what, deadline)
		panic("unreachable")
	}
}

func mustCreate(t *testing.T, m *instance.Manager, domain string) *instance.Instance {
	t.Helper()
	inst, err := m.Create(context.Background(), instance.Options{Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestStoreOpensOnceAndCloses(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	inst := mustCreate(t, m, "alice.example")
	var opened atomic.Int32
	m.OnStoreOpen(func(*instance.Instance, store.Store) { opened.Add(1) })
	var wg sync.WaitGroup
	got := make([]store.Store, 8)
	for i := range got {
		wg.Go(func() {
			s, err := m.Store(inst)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	wg.Wait()
	for _, s := range got {
		if s != got[0] {
			t.Fatal("two stores for one instance")
		}
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("store opened %d times", n)
	}
	if err := got[0].DB("io.cozy.notes").Create(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "alice.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store(inst); !errors.Is(err, instance.ErrNotFound) && !errors.Is(err, instance.ErrClosed) {
		t.Fatalf("store after close: %v", err)
	}
}

// TestSlowOpenBlocksOnlyItsInstance: while the OnStoreOpen hook of A is
// stuck, B's store and files open, the registry answers, and a second
// caller for A waits for that one open instead of opening another.
func TestSlowOpenBlocksOnlyItsInstance(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	defer m.Close()
	a, b := mustCreate(t, m, "a.example"), mustCreate(t, m, "b.example")
	g := newGate("a.example")
	m.OnStoreOpen(g.hook)

	firstA := make(chan store.Store, 1)
	go func() {
		s, err := m.Store(a)
		if err != nil {
			t.Error(err)
		}
		firstA <- s
	}()
	wait(t, "hook of A", g.entered)
	secondA := make(chan store.Store, 1)
	go func() {
		s, err := m.Store(a)
		if err != nil {
			t.Error(err)
		}
		secondA <- s
	}()

	done := make(chan error, 1)
	go func() {
		if _, err := m.Store(b); err != nil {
			done <- err
			return
		}
		_, err := m.VFS(ctx, b)
		done <- err
	}()
	if err := wait(t, "Store(B) while A opens", done); err != nil {
		t.Fatal(err)
	}
	listed := make(chan int, 1)
	go func() {
		if _, err := m.Get("a.example"); err != nil {
			t.Error(err)
		}
		listed <- len(m.List())
	}()
	if n := wait(t, "Get and List while A opens", listed); n != 2 {
		t.Fatalf("listed %d", n)
	}
	select {
	case <-secondA:
		t.Fatal("a second caller got A's store before its hooks ran")
	default:
	}
	close(g.release)
	s1, s2 := wait(t, "first Store(A)", firstA), wait(t, "second Store(A)", secondA)
	if s1 == nil || s1 != s2 {
		t.Fatal("A's store opened twice")
	}
}

// TestDeleteDuringOpenDoesNotResurrect: an instance deleted while its store
// opens ends with its store closed, its OnDelete hooks run after its
// OnStoreOpen hooks (so what they start is stopped), its data gone, and
// every later Store refused.
func TestDeleteDuringOpenDoesNotResurrect(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := newManager(t, dir)
	defer m.Close()
	a := mustCreate(t, m, "a.example")
	g := newGate("a.example")
	m.OnStoreOpen(g.hook)
	var mu sync.Mutex
	var events []string
	record := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	m.OnStoreOpen(func(*instance.Instance, store.Store) { record("opened") })
	m.OnDelete(func(*instance.Instance) { record("deleted") })

	opened := make(chan error, 1)
	go func() { _, err := m.Store(a); opened <- err }()
	wait(t, "hook of A", g.entered)
	deleted := make(chan error, 1)
	go func() { deleted <- m.Delete(ctx, "a.example") }()
	withdrawn := make(chan struct{})
	go func() { // Delete withdraws A at once, though its open is stuck
		for {
			if _, err := m.Get("a.example"); errors.Is(err, instance.ErrNotFound) {
				close(withdrawn)
				return
			}
			runtime.Gosched()
		}
	}()
	wait(t, "Delete withdraws A", withdrawn)
	if _, err := m.Store(a); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("store opened for an instance being deleted: %v", err)
	}
	close(g.release)
	if err := wait(t, "Store(A)", opened); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, "Delete(A)", deleted); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store(a); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("store after delete: %v", err)
	}
	if _, err := m.VFS(ctx, a); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("files after delete: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != "opened" || events[1] != "deleted" {
		t.Fatalf("hooks ran in order %v", events)
	}
	if _, err := os.Stat(m.Dir(a)); !os.IsNotExist(err) {
		t.Fatalf("data of a deleted instance: %v", err)
	}
}
