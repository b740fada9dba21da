package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/gin-gonic/gin"
)

// ErrThrottled is returned when too many wrong passphrases were sent.
var ErrThrottled = errors.New("too many wrong passphrases")

// ThrottledError says how long to wait.
type ThrottledError struct{ Wait time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s; retry in %d seconds", ErrThrottled, e.seconds())
}

func (e *ThrottledError) seconds() int { return int(e.Wait.Seconds()) + 1 }

// Unwrap returns ErrThrottled.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// CheckSecret verifies a derived passphrase secret against the instance,
// counting failures per instance and per client address. It returns nil,
// an error wrapping passhash.ErrMismatch, a *ThrottledError, or an
// internal error.
func (h *Handler) CheckSecret(c *gin.Context, inst *instance.Instance, secret string) error {
	instKey, addrKey := inst.ID, inst.ID+"|"+clientAddr(c)
	okInst, waitInst := h.Throttle.Allowed(instKey)
	okAddr, waitAddr := h.AddrThrottle.Allowed(addrKey)
	if !okInst || !okAddr {
		return &ThrottledError{Wait: max(waitInst, waitAddr)}
	}
	var err error
	if secret == "" || len(secret) > maxSecret {
		err = passhash.ErrMismatch
	} else {
		err = h.Instances.CheckSecret(c, inst, secret)
	}
	if err == nil {
		h.AddrThrottle.Reset(addrKey)
		return nil
	}
	if !errors.Is(err, passhash.ErrMismatch) {
		return fmt.Errorf("checking the passphrase of %s: %w", inst.Domain, err)
	}
	h.Throttle.Fail(instKey)
	h.AddrThrottle.Fail(addrKey)
	h.Log.InfoContext(c, "wrong passphrase", "domain", inst.Domain, "addr", clientAddr(c))
	return fmt.Errorf("wrong passphrase: %w", err)
}
