package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/session"
)

func TestThrottle(t *testing.T) {
	now := time.Unix(0, 0)
	th := session.NewThrottle(5, time.Minute)
	th.Now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		if ok, _ := th.Allowed("a"); !ok {
			t.Fatalf("refused after %d", i)
		}
		th.Fail("a")
	}
	if ok, wait := th.Allowed("a"); ok || wait != time.Minute {
		t.Fatalf("not throttled: %v %v", ok, wait)
	}
	if ok, _ := th.Allowed("b"); !ok {
		t.Fatal("other key throttled")
	}
	now = now.Add(time.Minute)
	if ok, _ := th.Allowed("a"); !ok {
		t.Fatal("window did not end")
	}
	th.Fail("a")
	th.Reset("a")
	if ok, _ := th.Allowed("a"); !ok {
		t.Fatal("reset ignored")
	}
	th.Fail("c")
	th.Fail("c")
	th.Undo("c")
	th.Undo("c")
	th.Undo("c") // never below zero
	for i := 0; i < 5; i++ {
		th.Fail("c")
	}
	if ok, _ := th.Allowed("c"); ok {
		t.Fatal("undo went below zero")
	}
	// Memory stays bounded.
	for i := 0; i < 20000; i++ {
		th.Fail(fmt.Sprint(i))
	}
}
