package update

import (
	"os"
	"strings"
	"testing"
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
	want := Release{Version: "v1.2.0", Board: "rpi4", Kernel: "6.1.0-57-arm64"}
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
