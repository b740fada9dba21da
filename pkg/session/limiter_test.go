package session_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/session"
)

func newLimiter() (*session.Limiter, *time.Time) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	l := session.NewLimiter()
	l.Addr.Now, l.Device.Now, l.Instance.Now, l.UnderAttack.Now = clock, clock, clock, clock
	return l, &now
}

// try begins an attempt and ends it with ok; it returns the refusal.
func try(l *session.Limiter, a session.Attempt, ok bool) error {
	p, err := l.Begin(a)
	if err != nil {
		return err
	}
	p.Done(ok)
	return nil
}

func TestLimiterPerAddress(t *testing.T) {
	l, now := newLimiter()
	a := session.Attempt{Instance: "i", Addr: "192.0.2.1"}
	for i := 0; i < session.AddrFree+1; i++ {
		if err := try(l, a, false); err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
	}
	err := try(l, a, true)
	var te *session.ThrottledError
	if !errors.As(err, &te) || te.Wait != session.AddrBase || te.Seconds() != 30 || !errors.Is(err, session.ErrThrottled) {
		t.Fatalf("not slowed: %v", err)
	}
	if err := try(l, session.Attempt{Instance: "i", Addr: "192.0.2.2"}, false); err != nil {
		t.Fatalf("another address slowed: %v", err)
	}
	*now = now.Add(session.AddrBase)
	if err := try(l, a, false); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	if err := try(l, a, false); !errors.As(err, &te) || te.Wait != 2*session.AddrBase {
		t.Fatalf("backoff not doubled: %v", err)
	}
	// IPv6 addresses of one /64 share their count.
	v6 := session.Attempt{Instance: "i", Addr: "2001:db8::1"}
	for i := 0; i < session.AddrFree+1; i++ {
		v6.Addr = fmt.Sprintf("2001:db8::%x", i+1)
		_ = try(l, v6, false)
	}
	if err := try(l, session.Attempt{Instance: "i", Addr: "2001:db8::ffff"}, true); err == nil {
		t.Fatal("a /64 escaped the backoff by changing addresses")
	}
	if session.AddrKey("::ffff:192.0.2.1") != "192.0.2.1" || session.AddrKey("2001:db8:1:2:3::4") != "2001:db8:1:2::/64" {
		t.Fatal("address keys")
	}
}

func TestLimiterSuccessGivesBack(t *testing.T) {
	l, _ := newLimiter()
	a := session.Attempt{Instance: "i", Addr: "192.0.2.1"}
	for i := 0; i < 3*session.AddrFree; i++ {
		if err := try(l, a, i%2 == 1); err != nil {
			t.Fatalf("an owner who mistypes every other time is slowed: %v", err)
		}
	}
}

// TestLimiterUnderAttack: failures from many addresses do not lock out a
// known device nor a fresh address, but an attacking address gets only a
// few more guesses.
func TestLimiterUnderAttack(t *testing.T) {
	l, _ := newLimiter()
	for i := 0; i < session.InstanceLimit; i++ {
		if err := try(l, session.Attempt{Instance: "i", Addr: fmt.Sprintf("198.51.100.%d", i)}, false); err != nil {
			t.Fatalf("attack attempt %d refused: %v", i, err)
		}
	}
	if err := try(l, session.Attempt{Instance: "i", Addr: "198.51.100.1", Device: "dev"}, true); err != nil {
		t.Fatalf("known device locked out: %v", err)
	}
	if err := try(l, session.Attempt{Instance: "i", Addr: "203.0.113.9"}, true); err != nil {
		t.Fatalf("fresh address locked out: %v", err)
	}
	if err := try(l, session.Attempt{Instance: "other", Addr: "198.51.100.1"}, false); err != nil {
		t.Fatalf("another instance is not under attack: %v", err)
	}
	attacker := session.Attempt{Instance: "i", Addr: "198.51.100.7"}
	refused := -1
	for i := 0; i < session.UnderAttackAttempts+1 && refused < 0; i++ {
		if try(l, attacker, false) != nil {
			refused = i
		}
	}
	if refused != session.UnderAttackAttempts-1 {
		t.Fatalf("the attacking address was refused after %d more attempts", refused)
	}
	// Parallel guesses are counted as they start.
	burst := session.Attempt{Instance: "j", Addr: "192.0.2.77"}
	var pending []*session.Pending
	for i := 0; i < 20; i++ {
		if p, err := l.Begin(burst); err == nil {
			pending = append(pending, p)
		}
	}
	if len(pending) != session.AddrFree+1 {
		t.Fatalf("%d parallel attempts let through", len(pending))
	}
}
