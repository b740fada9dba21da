package update

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseRelease(t *testing.T) {
	f, err := os.Open("testdata/root/usr/lib/cozy-release")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rel, err := ParseRelease(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Release{Version: "v1.2.0", Board: "rpi4", Kernel: "6.1.0-57-arm64", Created: time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)}
	if rel != want {
		t.Fatalf("got %+v, want %+v", rel, want)
	}
}

func TestParseReleaseRejects(t *testing.T) {
	for _, in := range []string{"", "COZY_BOARD=rpi4\n", "COZY_VERSION=1\nnot a pair\n"} {
		if _, err := ParseRelease(strings.NewReader(in)); err == nil {
			t.Errorf("ParseRelease(%q) accepted", in)
		}
	}
}

// TestParseReleaseCreated: COZY_CREATED is read in UTC; absent, epoch 0
// (a build outside git) or unreadable, it is zero: no downgrade check,
// rather than a box that can take no update at all.
func TestParseReleaseCreated(t *testing.T) {
	for in, want := range map[string]time.Time{
		"COZY_CREATED=2026-12-03T08:00:00+01:00": time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC),
		`COZY_CREATED="2026-12-03T07:00:00Z"`:    time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC),
		"":                                       {},
		"COZY_CREATED=1970-01-01T00:00:00Z":      {},
		"COZY_CREATED=":                          {},
		"COZY_CREATED=yesterday":                 {},
	} {
		rel, err := ParseRelease(strings.NewReader("COZY_VERSION=v1\nCOZY_BOARD=qemu\n" + in + "\n"))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !rel.Created.Equal(want) || rel.Created.Location() != time.UTC {
			t.Errorf("%q: created %v, want %v", in, rel.Created, want)
		}
	}
}
