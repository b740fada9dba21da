package jobs

import (
	"testing"
)

func TestCronFor(t *testing.T) {
	last := func(n int) int { return n - 1 } // the largest draw, to check the bounds
	tests := []struct{ frequency, want string }{
		{"hourly", "0 59 * * * *"},
		{"daily", "0 59 4 * * *"},
		{"", "0 59 4 * * 6"},
		{"Weekly", "0 59 4 * * 6"},
		{"monthly", "0 59 4 28 * *"},
	}
	for _, tt := range tests {
		got, err := cronFor(tt.frequency, last)
		if err != nil || got != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.frequency, got, err, tt.want)
		}
	}
	if _, err := cronFor("yearly", last); err == nil {
		t.Error("unknown frequency accepted")
	}
}
