// Package boxtest is an in-process box.Certificates for tests of the
// setup flow: it records the choices it is given and reports the progress
// a test sets. It obtains no certificate: the real manager
// (appliance/certs) is wired into the stack separately. It is imported
// only by _test files.
package boxtest

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/cozypi/cozy/pkg/box"
)

// Certificates is a box.Certificates driven by the test.
type Certificates struct {
	mu      sync.Mutex
	choices []box.Choice
	status  box.Status
	refuse  error
}

// Refuse makes the next Configure calls fail with err (nil to accept).
func (c *Certificates) Refuse(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse = err
}

// Configure records ch and reports StateWaitDNS (domain) or
// StateObtaining (LAN), as the real manager starts; the choice it already
// has keeps its progress (a restart).
func (c *Certificates) Configure(_ context.Context, ch box.Choice) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refuse != nil {
		return c.refuse
	}
	if ch.Mode != box.ModeDomain && ch.Mode != box.ModeLAN {
		return errors.New("boxtest: no certificates for mode " + ch.Mode)
	}
	same := len(c.choices) > 0 && slices.Equal(c.choices[len(c.choices)-1].Names, ch.Names)
	c.choices = append(c.choices, ch)
	if same {
		return nil
	}
	state := box.StateObtaining
	if ch.Mode == box.ModeDomain {
		state = box.StateWaitDNS
	}
	c.status = box.Status{State: state, Names: ch.Names}
	return nil
}

// Set replaces the reported status.
func (c *Certificates) Set(st box.Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status = st
}

// Status is the status last set.
func (c *Certificates) Status() box.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status.State == "" {
		return box.Status{State: box.StateNone}
	}
	return c.status
}

// Choices are the choices Configure accepted, in order.
func (c *Certificates) Choices() []box.Choice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]box.Choice(nil), c.choices...)
}
