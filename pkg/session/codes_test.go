package session

import (
	"testing"
	"time"
)

func TestCodes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cs := NewCodes(func() time.Time { return now })
	a := cs.Issue("inst-a")
	if len(a) != 32 || a == cs.Issue("inst-a") {
		t.Fatalf("codes must be random: %q", a)
	}
	if cs.Consume("inst-b", a) {
		t.Fatal("a code of one instance opened another")
	}
	if cs.Consume("inst-a", a) {
		t.Fatal("a code presented to the wrong instance must be burnt")
	}
	b := cs.Issue("inst-a")
	if !cs.Consume("inst-a", b) {
		t.Fatal("a live code refused")
	}
	if cs.Consume("inst-a", b) {
		t.Fatal("a code used twice")
	}
	c := cs.Issue("inst-a")
	now = now.Add(CodeLifetime + time.Second)
	if cs.Consume("inst-a", c) {
		t.Fatal("an expired code accepted")
	}
	for _, bad := range []string{"", "x", string(make([]byte, 65))} {
		if cs.Consume("inst-a", bad) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestCodesBounded(t *testing.T) {
	cs := NewCodes(nil)
	first := cs.Issue("i")
	for i := 0; i < maxCodes; i++ {
		cs.Issue("i")
	}
	if len(cs.codes) > maxCodes || len(cs.order) > maxCodes {
		t.Fatalf("%d codes held", len(cs.codes))
	}
	if cs.Consume("i", first) {
		t.Fatal("the oldest code should have been forgotten")
	}
}
