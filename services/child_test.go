package services

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestIsChild(t *testing.T) {
	saved := os.Args
	t.Cleanup(func() { os.Args = saved })
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"cozy"}, false},
		{[]string{"cozy", "serve"}, false},
		{[]string{"cozy", childArg}, true},
		{[]string{"cozy", "serve", childArg}, false},
	}
	for _, tt := range tests {
		os.Args = tt.args
		if got := IsChild(); got != tt.want {
			t.Errorf("IsChild(%q) = %v", tt.args, got)
		}
	}
}

// TestChildMainRefusesBadSpecs only covers specs refused before the child
// limits its own memory (which would limit the test process).
func TestChildMainRefusesBadSpecs(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "decoding the spec"},
		{"garbage", "{not json", "decoding the spec"},
		{"no limits", `{"name":"x","script":"MQ=="}`, "invalid limits"},
		{"tiny memory", `{"name":"x","script":"MQ==","wall":1000000000,"memory":1024,"output":100}`, "invalid limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := childMain(strings.NewReader(tt.in), &out); code != 3 {
				t.Errorf("exit status %d, want 3", code)
			}
			_, end, err := readFrames(&out, 1<<20)
			if err != nil || end == nil || end.Status != statusInternal || !strings.Contains(end.Message, tt.want) {
				t.Errorf("end %+v (%v), want internal %q", end, err, tt.want)
			}
		})
	}
}

func TestParseVmSize(t *testing.T) {
	tests := []struct {
		name, status string
		want         uint64
		ok           bool
	}{
		{"normal", "Name:\tcozy\nVmPeak:\t 1300000 kB\nVmSize:\t 1228800 kB\nVmRSS:\t 9000 kB\n", 1228800 * 1024, true},
		{"missing", "Name:\tcozy\n", 0, false},
		{"bad unit", "VmSize:\t 12 MB\n", 0, false},
		{"bad number", "VmSize:\t x kB\n", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmSize(tt.status)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("got %d, %v; want %d, ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}
