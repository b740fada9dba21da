package session_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/session"
)

func setup(t *testing.T) (*session.Manager, *instance.Manager, *instance.Instance, *time.Time) {
	t.Helper()
	m, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	s := session.New(m)
	s.Now = func() time.Time { return now }
	return s, m, inst, &now
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	sm, _, inst, now := setup(t)
	short, err := sm.Create(ctx, inst, false)
	if err != nil {
		t.Fatal(err)
	}
	long, err := sm.Create(ctx, inst, true)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(session.Cookie(inst, short, false))
	if got, err := sm.FromRequest(ctx, inst, req); err != nil || got.ID != short.ID {
		t.Fatalf("from request: %v", err)
	}
	// Forged and tampered cookies.
	for _, v := range []string{short.ID, short.ID + ".AAAA", "", "x.y.z"} {
		if _, err := session.ParseCookie(inst, v); !errors.Is(err, session.ErrNoSession) {
			t.Errorf("cookie %q accepted", v)
		}
	}
	if list, err := sm.List(ctx, inst); err != nil || len(list) != 2 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	// Absolute lifetime: the short one ends after a day, the long one lives.
	*now = now.Add(session.ShortLifetime)
	if _, err := sm.Get(ctx, inst, short.ID); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("expired session: %v", err)
	}
	if _, err := sm.Get(ctx, inst, long.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := sm.List(ctx, inst); len(list) != 1 {
		t.Fatalf("expired session listed")
	}
	third, _ := sm.Create(ctx, inst, false)
	if err := sm.DeleteOthers(ctx, inst, third.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.Get(ctx, inst, long.ID); !errors.Is(err, session.ErrNoSession) {
		t.Fatal("other session survived")
	}
	if err := sm.Delete(ctx, inst, third.ID); err != nil {
		t.Fatal(err)
	}
	if err := sm.Delete(ctx, inst, third.ID); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("double delete: %v", err)
	}
	if err := sm.RecordLogin(ctx, inst, third.ID, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
}

func TestCookieFlags(t *testing.T) {
	_, _, inst, _ := setup(t)
	s := &session.Session{ID: "abc", ExpiresAt: time.Unix(1_900_000_000, 0), LongRun: true}
	c := session.Cookie(inst, s, true)
	if !c.HttpOnly || !c.Secure || c.SameSite != 2 || c.Name != "cozysessid" || c.Expires.IsZero() {
		t.Fatalf("cookie %+v", c)
	}
	if c := session.Cookie(inst, &session.Session{ID: "abc"}, false); c.Secure || !c.Expires.IsZero() {
		t.Fatalf("short cookie %+v", c)
	}
}

func TestCSRF(t *testing.T) {
	_, m, inst, _ := setup(t)
	other, _ := m.Create(context.Background(), instance.Options{Domain: "bob.example.org"})
	c := session.NewCSRF()
	tok := session.CSRFToken(inst, c)
	tests := []struct {
		inst          *instance.Instance
		cookie, token string
		ok            bool
	}{
		{inst, c, tok, true},
		{inst, c, "", false},
		{inst, "", tok, false},
		{inst, session.NewCSRF(), tok, false},
		{other, c, tok, false},
	}
	for i, tt := range tests {
		if got := session.CheckCSRF(tt.inst, tt.cookie, tt.token); got != tt.ok {
			t.Errorf("%d: %v", i, got)
		}
	}
}
