package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/session"
)

func TestBackoff(t *testing.T) {
	now := time.Unix(0, 0)
	b := &session.Backoff{Free: 2, Base: time.Second, Max: 5 * time.Second, Forget: time.Hour, Now: func() time.Time { return now }}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		b.Fail("a")
		if got := b.Wait("a"); got != w {
			t.Fatalf("after %d failures: wait %v, want %v", i+1, got, w)
		}
	}
	if b.Wait("b") != 0 {
		t.Fatal("another key waits")
	}
	now = now.Add(3 * time.Second)
	if got := b.Wait("a"); got != 2*time.Second {
		t.Fatalf("wait counts from the last failure: %v", got)
	}
	now = now.Add(time.Hour)
	if b.Wait("a") != 0 {
		t.Fatal("failures not forgotten")
	}
	b.Fail("a")
	b.Fail("a")
	b.Fail("a")
	b.Reset("a")
	if b.Wait("a") != 0 {
		t.Fatal("reset ignored")
	}
	for i := 0; i < 30000; i++ { // memory stays bounded
		b.Fail(fmt.Sprint(i))
	}
}
