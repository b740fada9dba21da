package landns

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiterBudgetAndRefill(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	l := newLimiter(2, 3, 10, clk.now)
	a := netip.MustParseAddr("192.168.1.5")
	b := netip.MustParseAddr("192.168.1.6")
	for i := range 3 {
		if !l.allow(a) {
			t.Fatalf("query %d within the burst refused", i)
		}
	}
	if l.allow(a) {
		t.Fatal("past the burst allowed")
	}
	if !l.allow(b) {
		t.Fatal("another client shares the first one's budget")
	}
	clk.advance(500 * time.Millisecond) // one token at 2/s
	if !l.allow(a) || l.allow(a) {
		t.Fatal("refill is not rate × time")
	}
}

func TestLimiterTableBounded(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	l := newLimiter(1, 1, 2, clk.now)
	c1, c2, c3 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	l.allow(c1)
	l.allow(c2)
	if l.allow(c3) {
		t.Fatal("a full table of busy clients grew")
	}
	clk.advance(time.Second) // c1 and c2 refilled: idle, may be dropped
	if !l.allow(c3) || len(l.buckets) > 2 {
		t.Fatalf("idle buckets not swept: %d", len(l.buckets))
	}
}

func TestLimiterOff(t *testing.T) {
	l := newLimiter(-1, 1, 1, time.Now)
	for range 100 {
		if !l.allow(netip.MustParseAddr("10.0.0.1")) {
			t.Fatal("limiting off refused")
		}
	}
}
