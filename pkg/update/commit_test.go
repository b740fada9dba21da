package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// statusServer is a real HTTP server answering /status as the box's
// server does, healthy or not as the test says.
func statusServer(t *testing.T, healthy *atomic.Bool) func(context.Context) error {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/status" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if healthy.Load() {
			io.WriteString(w, `{"db":"healthy","fs":"healthy","status":"OK","message":"OK"}`)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"db":"healthy","fs":"data directory not writable","status":"KO","message":"KO"}`)
	}))
	t.Cleanup(srv.Close)
	return func(ctx context.Context) error { return statusOK(ctx, srv.Client(), srv.URL+"/status") }
}

// TestUpdateCommitThenRollback is the whole life of two updates on board
// qemu: v2 is applied, tried and committed; v3 is applied from slot b,
// is not healthy in its trial, the box reboots and comes back on v2.
func TestUpdateCommitThenRollback(t *testing.T) {
	b := newTestBox(t, "qemu")
	var healthy atomic.Bool
	health := statusServer(t, &healthy)
	ctx := context.Background()

	v2, _ := b.bundle("v2", "qemu", b.key)
	if _, err := b.apply(v2); err != nil {
		t.Fatal(err)
	}
	// The harness plays the firmware: it consumes the flag and boots
	// tryboot.txt's slot; udev now finds the relabelled slot b.
	os.Remove(b.path(BootDir + "/TRYBOOT"))
	b.bootAs("b", "boot-2")
	b.link("cozy-root-b", "vda3")
	healthy.Store(true)
	st, err := b.u.Commit(ctx, CommitOptions{Deadline: 10 * time.Second, Health: health, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("%v\n%s", err, b.out)
	}
	if st.Outcome != Committed || st.Version != "v2" {
		t.Fatalf("state %+v", st)
	}
	if c := b.read(BootDir + "/config.txt"); c != strings.Replace(testConfig, "slot-a/", "slot-b/", 1) {
		t.Fatalf("config.txt %q", c)
	}
	if b.exists(BootDir+"/tryboot.txt") || len(b.reboots) != 0 {
		t.Fatalf("tryboot.txt left or reboot asked (%q)", b.reboots)
	}
	// Booting again changes nothing.
	b.bootAs("b", "boot-3")
	if st, err := b.u.Commit(ctx, CommitOptions{Health: health}); err != nil || st.Outcome != Committed {
		t.Fatalf("%+v %v", st, err)
	}

	// v3 goes to slot a (the release file of slot b says v2).
	b.write(ReleaseFile, "COZY_VERSION=v2\nCOZY_BOARD=qemu\n")
	v3, _ := b.bundle("v3", "qemu", b.key)
	if st, err := b.apply(v3); err != nil || st.Slot != SlotA || st.FromVersion != "v2" {
		t.Fatalf("%+v %v\n%s", st, err, b.out)
	}
	if b.read(BootDir+"/slot-a/version") != "v3\n" || !strings.Contains(b.read(BootDir+"/tryboot.txt"), "os_prefix=slot-a/") {
		t.Fatal("slot a not written")
	}
	os.Remove(b.path(BootDir + "/TRYBOOT"))
	b.bootAs("a", "boot-4")
	healthy.Store(false)
	st, err = b.u.Commit(ctx, CommitOptions{Deadline: 2 * time.Second, Health: health, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Outcome != Failed || !strings.Contains(st.Error, "HTTP 502") || len(b.reboots) != 1 || b.reboots[0] != "" {
		t.Fatalf("state %+v, reboots %q", st, b.reboots)
	}
	if c := b.read(BootDir + "/config.txt"); !strings.Contains(c, "os_prefix=slot-b/") {
		t.Fatalf("config.txt changed by a failed trial: %q", c)
	}
	// The normal reboot starts slot b again: the record says so.
	b.bootAs("b", "boot-5")
	st, err = b.u.Commit(ctx, CommitOptions{Health: health})
	if err != nil || st.Outcome != RolledBack || st.Version != "v3" || !strings.Contains(st.Error, "not healthy") {
		t.Fatalf("%+v %v", st, err)
	}
	if b.exists(BootDir + "/tryboot.txt") {
		t.Fatal("tryboot.txt left after the rollback")
	}
	if !strings.Contains(b.out.String(), "commit: rolled back: cozy v3 in slot a") {
		t.Fatalf("output:\n%s", b.out)
	}
	// What `cozy box status` shows.
	status, err := b.u.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status.Booted != SlotB || status.Committed != SlotB || status.Versions[SlotA] != "v3" || status.Versions[SlotB] != "v2" ||
		status.Last == nil || status.Last.Outcome != RolledBack || status.Slots[SlotB].Device != "/dev/vda3" {
		t.Fatalf("status %+v", status)
	}
}

// TestCommitSettles covers the normal boots that close a record.
func TestCommitSettles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prep   func(b *testBox)
		bootAs [2]string
		want   Outcome
	}{
		{"armed, not rebooted yet", func(b *testBox) {}, [2]string{"a", "boot-1"}, Trying},
		{"trial never came up", func(b *testBox) {}, [2]string{"a", "boot-2"}, RolledBack},
		{"committed but not recorded", func(b *testBox) {
			b.write(BootDir+"/config.txt", withOSPrefix(testConfig, SlotB))
			b.link("cozy-root-b", "vda3")
		}, [2]string{"b", "boot-2"}, Committed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBox(t, "rpi4")
			v2, _ := b.bundle("v2", "rpi4", b.key)
			if _, err := b.apply(v2); err != nil {
				t.Fatal(err)
			}
			tc.prep(b)
			b.bootAs(tc.bootAs[0], tc.bootAs[1])
			st, err := b.u.Commit(context.Background(), CommitOptions{Health: func(context.Context) error { return errors.New("never asked") }})
			if err != nil || st.Outcome != tc.want {
				t.Fatalf("%+v %v\n%s", st, err, b.out)
			}
		})
	}
}

func TestApplyRebootsWithTheBoardsOneTry(t *testing.T) {
	for board, want := range map[string]string{"rpi4": "0 tryboot", "qemu": ""} {
		b := newTestBox(t, board)
		v2, _ := b.bundle("v2", board, b.key)
		f, _ := os.Open(v2)
		_, err := b.u.Apply(context.Background(), f, ApplyOptions{})
		f.Close()
		if err != nil || len(b.reboots) != 1 || b.reboots[0] != want {
			t.Fatalf("%s: reboots %q, %v", board, b.reboots, err)
		}
		if got := b.exists(BootDir + "/TRYBOOT"); got != (board == "qemu") {
			t.Fatalf("%s: TRYBOOT flag %v", board, got)
		}
	}
}

func TestApplyNeedsTheTrybootModule(t *testing.T) {
	b := newTestBox(t, "rpi4")
	v2, _ := b.bundle("v2", "rpi4", b.key)
	if err := os.RemoveAll(b.path("/sys/module")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, b.path(BootDir))
	if _, err := b.apply(v2); !errors.Is(err, ErrNoTryboot) {
		t.Fatalf("got %v", err)
	}
	if len(b.reboots) != 0 || snapshot(t, b.path(BootDir)) != before {
		t.Fatalf("rebooted %q or wrote the boot partition", b.reboots)
	}
	slot, _ := os.ReadFile(b.path("/dev/vda3"))
	if !bytes.Equal(slot, make([]byte, len(slot))) {
		t.Fatal("the slot was written")
	}
	// The server stages only what the box can try; a sandbox without
	// /sys/module leaves the check to the root updater.
	s := &Stager{System: b.u.System}
	stage := func() error {
		f, err := os.Open(v2)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = s.Stage(context.Background(), f, -1, StageOptions{})
		return err
	}
	if err := os.MkdirAll(b.path("/sys/module/loop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := stage(); !errors.Is(err, ErrNoTryboot) {
		t.Fatalf("stage: got %v", err)
	}
	if _, err := os.Stat(s.StagedPath()); err == nil {
		t.Fatal("staged anyway")
	}
	if err := os.RemoveAll(b.path("/sys/module")); err != nil {
		t.Fatal(err)
	}
	if err := stage(); err != nil {
		t.Fatalf("stage without /sys/module: %v", err)
	}
}

func TestApplyRefusedDuringTrial(t *testing.T) {
	b := newTestBox(t, "qemu")
	v2, _ := b.bundle("v2", "qemu", b.key)
	b.bootAs("b", "boot-2") // config.txt still says slot a
	b.link("cozy-root-b", "vda3")
	if _, err := b.apply(v2); !errors.Is(err, ErrTrial) {
		t.Fatalf("got %v", err)
	}
}

func TestCmdlineDeadline(t *testing.T) {
	b := newTestBox(t, "qemu")
	if d := b.u.cmdlineDeadline(); d != DefaultCommitDeadline {
		t.Fatal(d)
	}
	b.write("/proc/cmdline", "root=LABEL=cozy-root-a cozy.commit_deadline=45 ro")
	if d := b.u.cmdlineDeadline(); d != 45*time.Second {
		t.Fatal(d)
	}
}

// failingReader stops with an error after n bytes: a crash, a cable
// pulled, a full disk at any point of an apply.
type failingReader struct {
	r io.Reader
	n int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("stream cut")
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// TestApplyCutAnywhere cuts the bundle at points all along it: whatever
// was written, nothing points a boot at the spare slot, config.txt is
// untouched, and the next boot records the update as failed.
func TestApplyCutAnywhere(t *testing.T) {
	b := newTestBox(t, "qemu")
	v2, _ := b.bundle("v2", "qemu", b.key)
	info, _ := os.Stat(v2)
	const points = 24
	for i := 0; i < points; i++ {
		cut := info.Size() * int64(i) / points
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			f, _ := os.Open(v2)
			defer f.Close()
			st, err := b.u.Apply(context.Background(), &failingReader{f, cut}, ApplyOptions{NoReboot: true})
			if err == nil {
				t.Fatal("a cut bundle was applied")
			}
			if b.read(BootDir+"/config.txt") != testConfig {
				t.Fatal("config.txt changed")
			}
			for _, p := range []string{"/tryboot.txt", "/TRYBOOT", "/slot-b/version"} {
				if b.exists(BootDir + p) {
					t.Fatalf("%s exists after a cut at %d (%v)", p, cut, err)
				}
			}
			if st.Outcome != Refused && st.Outcome != Aborted {
				t.Fatalf("outcome %s", st.Outcome)
			}
		})
	}
	// And the complete bundle still applies after all that.
	if _, err := b.apply(v2); err != nil {
		t.Fatal(err)
	}
}

// TestHealthy runs the real check against a systemctl stand-in (a shell
// script answering as systemctl is-active does) and a real /status.
func TestHealthy(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if healthy.Load() {
			io.WriteString(w, `{"status":"OK","message":"OK"}`)
			return
		}
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"status":"KO"}`)
	}))
	defer srv.Close()
	bin := t.TempDir()
	state := bin + "/state"
	script := "#!/bin/sh\n[ \"$1\" = is-active ] || exit 2\ns=$(cat " + state + ")\necho \"$s\"\n[ \"$s\" = active ]\n"
	if err := os.WriteFile(bin+"/systemctl", []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	check := Healthy("cozy.service", srv.URL+"/status")
	for _, tc := range []struct {
		unit    string
		healthy bool
		want    string
	}{
		{"active", true, ""},
		{"activating", true, "cozy.service is activating"},
		{"failed", true, "cozy.service is failed"},
		{"active", false, "/status answered HTTP 502"},
	} {
		os.WriteFile(state, []byte(tc.unit), 0o644)
		healthy.Store(tc.healthy)
		err := check(context.Background())
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s, healthy %v: got %v, want %q", tc.unit, tc.healthy, err, tc.want)
		}
	}
}
