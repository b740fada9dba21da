package session_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
)

func TestDeviceCookie(t *testing.T) {
	_, m, inst, _ := setup(t)
	other, _ := m.Create(context.Background(), instance.Options{Domain: "bob.example.org"})
	id := session.NewDevice()
	c := session.DeviceCookie(inst, id, true)
	if !c.HttpOnly || !c.Secure || c.MaxAge <= 0 || c.Path != "/" {
		t.Fatalf("cookie %+v", c)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(c)
	if got := session.DeviceFromRequest(inst, req); got != id {
		t.Fatalf("device %q", got)
	}
	if got := session.DeviceFromRequest(other, req); got != "" {
		t.Fatal("a device cookie of one instance known to another")
	}
	for _, v := range []string{id, id + ".AAAA", "", "." + id} {
		if _, err := session.ParseDevice(inst, v); err == nil {
			t.Errorf("forged device cookie %q accepted", v)
		}
	}
}
