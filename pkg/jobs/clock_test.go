package jobs

import (
	"fmt"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	c := NewManualClock(t0)
	var fired []string
	c.AfterFunc(2*time.Second, func() { fired = append(fired, "b") })
	c.AfterFunc(time.Second, func() {
		fired = append(fired, "a")
		if !c.Now().Equal(t0.Add(time.Second)) {
			t.Errorf("a ran at %s", c.Now())
		}
		c.AfterFunc(time.Second/2, func() { fired = append(fired, "a2") })
	})
	stop := c.AfterFunc(time.Second, func() { fired = append(fired, "stopped") })
	if !stop() || stop() {
		t.Fatal("stop should report true once")
	}
	c.AfterFunc(0, func() { fired = append(fired, "now") })
	if len(fired) != 0 {
		t.Fatal("AfterFunc ran f itself")
	}
	c.Advance(3 * time.Second)
	if got := fmt.Sprint(fired); got != "[now a a2 b]" {
		t.Fatalf("fired %s", got)
	}
	if !c.Now().Equal(t0.Add(3*time.Second)) || c.Pending() != 0 {
		t.Fatalf("now %s pending %d", c.Now(), c.Pending())
	}
	var real RealClock
	done := make(chan struct{})
	real.AfterFunc(0, func() { close(done) })
	<-done
	if real.Now().IsZero() {
		t.Fatal("real clock")
	}
}
