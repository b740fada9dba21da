package session

import (
	"testing"
	"time"
)

func TestCodes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cs := NewCodes(func() time.Time { return now })
	consume := func(inst, scope, code string) bool { _, ok := cs.Consume(inst, scope, code); return ok }
	a := cs.Issue("inst-a", "", "")
	if len(a) != 32 || a == cs.Issue("inst-a", "", "") {
		t.Fatalf("codes must be random: %q", a)
	}
	if consume("inst-b", "", a) {
		t.Fatal("a code of one instance opened another")
	}
	if consume("inst-a", "", a) {
		t.Fatal("a code presented to the wrong instance must be burnt")
	}
	b := cs.Issue("inst-a", "", "")
	if !consume("inst-a", "drive", b) {
		t.Fatal("an unscoped code is good on any page")
	}
	if consume("inst-a", "", b) {
		t.Fatal("a code used twice")
	}
	d := cs.Issue("inst-a", "sess-1", "drive")
	if consume("inst-a", "photos", d) {
		t.Fatal("a code for one app accepted by another")
	}
	e := cs.Issue("inst-a", "sess-1", "drive")
	if sid, ok := cs.Consume("inst-a", "drive", e); !ok || sid != "sess-1" {
		t.Fatalf("hand-over: %q %v", sid, ok)
	}
	c := cs.Issue("inst-a", "", "")
	now = now.Add(CodeLifetime + time.Second)
	if consume("inst-a", "", c) {
		t.Fatal("an expired code accepted")
	}
	for _, bad := range []string{"", "x", string(make([]byte, 65))} {
		if consume("inst-a", "", bad) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestCodesBounded(t *testing.T) {
	cs := NewCodes(nil)
	first := cs.Issue("i", "", "")
	for i := 0; i < maxCodes; i++ {
		cs.Issue("i", "", "")
	}
	if len(cs.codes) > maxCodes || len(cs.order) > maxCodes {
		t.Fatalf("%d codes held", len(cs.codes))
	}
	if _, ok := cs.Consume("i", "", first); ok {
		t.Fatal("the oldest code should have been forgotten")
	}
}
