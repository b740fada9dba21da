package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// bundleCreated is the build date of testBox's bundles.
var bundleCreated = time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)

// release writes the box's release file with a build date ("" for none,
// as in images older than COZY_CREATED).
func (b *testBox) release(created string) {
	b.t.Helper()
	rel := "COZY_VERSION=v1\nCOZY_BOARD=qemu\nCOZY_KERNEL=6.1.0-57-arm64\n"
	if created != "" {
		rel += "COZY_CREATED=" + created + "\n"
	}
	b.write(ReleaseFile, rel)
}

// logTo sends the updater's log to a buffer.
func logTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// TestApplyDowngrade: a bundle built before the running system is refused
// with nothing written, unless explicitly allowed; the same build and a
// newer one pass; a release without a date cannot be compared and says so.
func TestApplyDowngrade(t *testing.T) {
	sec := time.Second
	for _, tc := range []struct {
		name    string
		created string // the running release's COZY_CREATED
		opt     ApplyOptions
		want    error
		log     string // in the log when set
	}{
		{name: "older refused", created: bundleCreated.Add(sec).Format(time.RFC3339), want: ErrDowngrade},
		{name: "much older refused", created: "2027-06-01T00:00:00Z", want: ErrDowngrade},
		{name: "equal is the same build", created: bundleCreated.Format(time.RFC3339)},
		{name: "equal in another zone", created: bundleCreated.In(time.FixedZone("CET", 3600)).Format(time.RFC3339)},
		{name: "newer", created: bundleCreated.Add(-sec).Format(time.RFC3339)},
		{name: "no date: no check", created: "", log: "no downgrade check"},
		{name: "epoch 0: no check", created: "1970-01-01T00:00:00Z", log: "no downgrade check"},
		{name: "override", created: "2027-06-01T00:00:00Z", opt: ApplyOptions{AllowDowngrade: true}, log: "downgrade allowed by an explicit override"},
		{name: "staged override for this bundle", created: "2027-06-01T00:00:00Z",
			opt: ApplyOptions{Staged: &StagedOverride{Version: "v2", Created: bundleCreated}}, log: "downgrade allowed"},
		{name: "staged override for another version", created: "2027-06-01T00:00:00Z",
			opt: ApplyOptions{Staged: &StagedOverride{Version: "v3", Created: bundleCreated}}, want: ErrDowngrade},
		{name: "staged override for another build", created: "2027-06-01T00:00:00Z",
			opt: ApplyOptions{Staged: &StagedOverride{Version: "v2", Created: bundleCreated.Add(sec)}}, want: ErrDowngrade},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBox(t, "qemu")
			b.release(tc.created)
			var log bytes.Buffer
			b.u.Log = logTo(&log)
			bundle, _ := b.bundle("v2", "qemu", b.key)
			before := snapshot(t, b.path(BootDir))
			f, err := os.Open(bundle)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tc.opt.NoReboot = true
			st, err := b.u.Apply(context.Background(), f, tc.opt)
			if tc.log != "" && !strings.Contains(log.String(), tc.log) {
				t.Errorf("no %q in the log:\n%s", tc.log, log.String())
			}
			if tc.want == nil {
				if err != nil || st.Outcome != Trying {
					t.Fatalf("%+v %v\n%s", st, err, b.out)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, s := range []string{"cozy v2, built 2026-12-03T07:00:00Z", "cozy v1, built "} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("no %q in %q", s, err)
				}
			}
			if st == nil || st.Outcome != Refused || !strings.Contains(st.Error, "downgrade refused") {
				t.Fatalf("state %+v", st)
			}
			if last, _ := b.u.LastState(); last == nil || last.Outcome != Refused {
				t.Fatalf("recorded %+v", last)
			}
			if after := snapshot(t, b.path(BootDir)); after != before {
				t.Fatalf("boot partition changed:\n%s\n---\n%s", before, after)
			}
			slot, _ := os.ReadFile(b.path("/dev/vda3"))
			if !bytes.Equal(slot, make([]byte, len(slot))) {
				t.Fatal("the slot was written")
			}
		})
	}
}

// TestApplyDowngradeAfterSignature: the signature is checked first, so a
// bundle of an unknown key is ErrBadSignature whatever its date.
func TestApplyDowngradeAfterSignature(t *testing.T) {
	b := newTestBox(t, "qemu")
	b.release("2027-06-01T00:00:00Z")
	stranger := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	bundle, _ := b.bundle("v2", "qemu", stranger)
	if _, err := b.apply(bundle); !errors.Is(err, ErrBadSignature) || errors.Is(err, ErrDowngrade) {
		t.Fatalf("got %v", err)
	}
}

// TestStageDowngrade: the server's side refuses an older bundle with
// nothing staged; with the override it stages it and records the
// override for that bundle, which a later stage without it clears.
func TestStageDowngrade(t *testing.T) {
	b := newTestBox(t, "qemu")
	b.release("2027-06-01T00:00:00Z")
	var log bytes.Buffer
	s := &Stager{System: b.u.System, Log: logTo(&log)}
	bundle, _ := b.bundle("v2", "qemu", b.key)
	stage := func(opt StageOptions) error {
		f, err := os.Open(bundle)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = s.Stage(context.Background(), f, -1, opt)
		return err
	}
	leftovers := func() []string {
		entries, _ := os.ReadDir(b.path(StateDir))
		var names []string
		for _, e := range entries {
			if e.Name() != lockFile {
				names = append(names, e.Name())
			}
		}
		return names
	}

	if err := stage(StageOptions{}); !errors.Is(err, ErrDowngrade) {
		t.Fatalf("got %v", err)
	}
	if left := leftovers(); len(left) > 0 {
		t.Fatalf("a refused bundle left %v", left)
	}
	if r, _ := s.Report(); r.Staging == nil || r.Staging.Phase != "refused" || !strings.Contains(r.Staging.Error, "downgrade refused") || r.Staged {
		t.Fatalf("report %+v", r.Staging)
	}

	if err := stage(StageOptions{AllowDowngrade: true}); err != nil {
		t.Fatal(err)
	}
	if !b.exists(StateDir + "/" + StagedFile) {
		t.Fatal("not staged")
	}
	o, err := s.StagedOverride()
	if err != nil || o == nil || o.Version != "v2" || !o.Created.Equal(bundleCreated) {
		t.Fatalf("override %+v %v", o, err)
	}
	if !strings.Contains(log.String(), "downgrade allowed by an explicit override") {
		t.Fatalf("the override is not logged:\n%s", log.String())
	}
	// The root updater applies it with the recorded override.
	f, err := os.Open(s.StagedPath())
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.u.Apply(context.Background(), f, ApplyOptions{NoReboot: true, Staged: o})
	f.Close()
	if err != nil || st.Outcome != Trying {
		t.Fatalf("%+v %v\n%s", st, err, b.out)
	}

	// A stale override (its stage failed after recording it) allows
	// nothing: the next stage clears it.
	os.Remove(s.StagedPath())
	b.write(StateDir+"/"+overrideFile, `{"version":"v2","created":"2026-12-03T07:00:00Z"}`)
	b.release("2026-01-01T00:00:00Z") // the bundle is newer now: staged, no override needed
	if err := stage(StageOptions{}); err != nil {
		t.Fatal(err)
	}
	if o, err := s.StagedOverride(); o != nil || err != nil {
		t.Fatalf("stale override kept: %+v %v", o, err)
	}
	// The override is recorded only when the bundle needs it.
	os.Remove(s.StagedPath())
	if err := stage(StageOptions{AllowDowngrade: true}); err != nil {
		t.Fatal(err)
	}
	if o, err := s.StagedOverride(); o != nil || err != nil {
		t.Fatalf("override recorded for a newer bundle: %+v %v", o, err)
	}
}
