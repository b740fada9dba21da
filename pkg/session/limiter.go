package session

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ErrThrottled is wrapped when a passphrase attempt must wait.
var ErrThrottled = errors.New("too many wrong passphrases")

// ThrottledError says how long to wait before the next attempt.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s; retry in %d seconds", ErrThrottled, e.Seconds())
}

// Seconds is the wait rounded up, for a Retry-After header.
func (e *ThrottledError) Seconds() int { return int((e.Wait + time.Second - 1) / time.Second) }

// Unwrap returns ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Default limits of passphrase attempts.
const (
	// AddrFree wrong passphrases from an address (or a known device) are
	// free; then it waits AddrBase, doubled at each failure up to AddrMax.
	AddrFree = 5
	AddrBase = 30 * time.Second
	AddrMax  = time.Hour
	// AddrForget is how long after its last failure an address starts
	// afresh.
	AddrForget = 24 * time.Hour
	// InstanceLimit wrong passphrases from unknown devices in
	// InstanceWindow put the instance under attack.
	InstanceLimit  = 50
	InstanceWindow = 5 * time.Minute
	// UnderAttackAttempts is what each address of an unknown device may
	// try in an UnderAttackWindow while the instance is under attack: the
	// owner on a new network can still log in, a botnet gets a few
	// guesses per address and per quarter of an hour.
	UnderAttackAttempts = 3
	UnderAttackWindow   = 15 * time.Minute
)

// Attempt is one passphrase check to be limited.
type Attempt struct {
	Instance string
	// Addr is the client's address (an IP); IPv6 addresses count per /64,
	// the block one subscriber gets.
	Addr string
	// Device is the id of a known device (one that logged in before and
	// holds a signed device cookie, or a valid session), "" for others.
	Device string
}

// Limiter decides whether a passphrase attempt may reach the hasher.
//
// Unknown devices are slowed per address (exponential backoff) and, all
// together, per instance: past InstanceLimit failures in InstanceWindow
// the instance is under attack and each address gets only a small budget
// of attempts. Known devices are slowed per device only, so an attack from
// many addresses never locks the owner's devices out. Every attempt is
// counted when it starts (a burst of parallel guesses cannot slip through
// before the first failure is known) and given back when it succeeds.
type Limiter struct {
	Addr        *Backoff  // unknown devices, per address
	Device      *Backoff  // known devices, per device
	Instance    *Throttle // unknown devices' failures, per instance
	UnderAttack *Throttle // unknown devices' attempts, per address
}

// NewLimiter returns a Limiter with the default limits.
func NewLimiter() *Limiter {
	return &Limiter{
		Addr:        &Backoff{Free: AddrFree, Base: AddrBase, Max: AddrMax, Forget: AddrForget},
		Device:      &Backoff{Free: AddrFree, Base: AddrBase, Max: AddrMax, Forget: AddrForget},
		Instance:    NewThrottle(InstanceLimit, InstanceWindow),
		UnderAttack: NewThrottle(UnderAttackAttempts, UnderAttackWindow),
	}
}

// AddrKey is the part of an address that attempts are counted by: the
// address itself for IPv4, its /64 network for IPv6.
func AddrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Pending is an attempt let through, waiting for its result.
type Pending struct {
	l   *Limiter
	a   Attempt
	key string
}

// Key is what the attempt is counted by.
func (p *Pending) Key() string { return p.key }

// Key is what an attempt is counted by: "device:<id>" for a known device,
// else its address key (AddrKey).
func (a Attempt) Key() string {
	if a.Device != "" {
		return "device:" + a.Device
	}
	return AddrKey(a.Addr)
}

// Begin lets an attempt through, counting it as a failure until Done says
// otherwise, or refuses it with a *ThrottledError.
func (l *Limiter) Begin(a Attempt) (*Pending, error) {
	key := a.Key()
	if a.Device != "" {
		if w := l.Device.Wait(a.Instance + "|" + key); w > 0 {
			return nil, &ThrottledError{Wait: w}
		}
		l.Device.Fail(a.Instance + "|" + key)
		return &Pending{l: l, a: a, key: key}, nil
	}
	addr := a.Instance + "|" + key
	if w := l.Addr.Wait(addr); w > 0 {
		return nil, &ThrottledError{Wait: w}
	}
	if ok, _ := l.Instance.Allowed(a.Instance); !ok {
		if ok, w := l.UnderAttack.Allowed(addr); !ok {
			return nil, &ThrottledError{Wait: w}
		}
	}
	l.UnderAttack.Fail(addr) // attempts, not failures: never given back
	l.Addr.Fail(addr)
	l.Instance.Fail(a.Instance)
	return &Pending{l: l, a: a, key: key}, nil
}

// Done records the attempt's result: a success gives back what Begin
// counted and clears the address's (or device's) backoff.
func (p *Pending) Done(success bool) {
	if !success {
		return
	}
	if p.a.Device != "" {
		p.l.Device.Reset(p.a.Instance + "|" + p.key)
		return
	}
	p.l.Addr.Reset(p.a.Instance + "|" + p.key)
	p.l.Instance.Undo(p.a.Instance)
}
