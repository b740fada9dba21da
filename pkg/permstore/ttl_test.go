package permstore_test

import (
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/permstore"
)

func TestParseTTL(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1D", day, true},
		{"2W3D", 17 * day, true},
		{"1h30m", 90 * time.Minute, true},
		{"1Y", 365 * day, true},
		{"1M", 30 * day, true},
		{"45s", 45 * time.Second, true},
		{"", 0, false},
		{"D", 0, false},
		{"12", 0, false},
		{"3X", 0, false},
		{"0D", 0, false},
		{"11Y", 0, false},
		{"9999999D", 0, false},
	}
	for _, tt := range tests {
		got, err := permstore.ParseTTL(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
