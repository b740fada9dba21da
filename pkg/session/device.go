package session

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
)

// DeviceCookieName is the cookie that marks a browser where the owner
// logged in before (a known device): attacks from elsewhere do not lock
// it out (see Limiter).
const DeviceCookieName = "cozydevice"

// DeviceLifetime is how long a device stays known after its last login.
const DeviceLifetime = 365 * 24 * time.Hour

// NewDevice returns a fresh device id.
func NewDevice() string { return ident.Hex(16) }

// DeviceCookie returns the cookie naming device id for the instance,
// signed with its session secret; secure is inst.Secure().
func DeviceCookie(inst *instance.Instance, id string, secure bool) *http.Cookie {
	return &http.Cookie{Name: DeviceCookieName, Value: id + "." + sign(inst.SessionSecret, "device|"+id), Path: "/",
		MaxAge: int(DeviceLifetime / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// ParseDevice checks a device cookie value and returns the device id.
func ParseDevice(inst *instance.Instance, value string) (string, error) {
	id, mac, ok := strings.Cut(value, ".")
	if !ok || id == "" || len(value) > 256 {
		return "", fmt.Errorf("session: malformed device cookie")
	}
	if !hmac.Equal([]byte(mac), []byte(sign(inst.SessionSecret, "device|"+id))) {
		return "", fmt.Errorf("session: bad device cookie signature")
	}
	return id, nil
}

// DeviceFromRequest returns the known device id of the request's device
// cookie, or "".
func DeviceFromRequest(inst *instance.Instance, r *http.Request) string {
	c, err := r.Cookie(DeviceCookieName)
	if err != nil {
		return ""
	}
	id, err := ParseDevice(inst, c.Value)
	if err != nil {
		return ""
	}
	return id
}
