package instance_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/token"
)

func newManager(t *testing.T, dir string) *instance.Manager {
	t.Helper()
	m, err := instance.Open(dir, passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := newManager(t, dir)
	a, err := m.Create(ctx, instance.Options{Domain: "Alice.Example.", Email: "a@example.org", KdfIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if a.Domain != "alice.example" || len(a.RegisterToken) != 16 || a.OnboardingFinished {
		t.Fatalf("created %+v", a)
	}
	if _, err := m.Create(ctx, instance.Options{Domain: "alice.example"}); !errors.Is(err, instance.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	b, err := m.Create(ctx, instance.Options{Domain: "localhost:8080", Passphrase: "s3cret passphrase", KdfIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !b.OnboardingFinished || b.RegisterToken != nil {
		t.Fatalf("with passphrase: %+v", b)
	}
	if err := m.CheckPassphrase(ctx, b, "s3cret passphrase"); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckPassphrase(ctx, b, "wrong"); !errors.Is(err, passhash.ErrMismatch) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if err := m.CheckPassphrase(ctx, a, ""); err == nil {
		t.Fatal("instance without passphrase accepted one")
	}
	up, err := m.Update(ctx, "alice.example", func(i *instance.Instance) error { i.Locale = "fr"; return nil })
	if err != nil || up.Locale != "fr" || up.Version != 2 || a.Locale != "en" {
		t.Fatalf("update: %+v %v (old copy %q)", up, err, a.Locale)
	}
	if _, err := m.Update(ctx, "alice.example", func(i *instance.Instance) error { i.Domain = "x"; return nil }); err == nil {
		t.Fatal("domain changed")
	}
	m.Close()

	m = newManager(t, dir)
	defer m.Close()
	got, err := m.Get("ALICE.example")
	if err != nil || got.Locale != "fr" || got.ID != a.ID {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	if len(m.List()) != 2 || m.List()[0].Domain != "alice.example" {
		t.Fatalf("list %v", m.List())
	}
	raw, err := got.Issue(token.CLI, "", "io.cozy.files")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := got.ParseToken(raw, time.Now(), token.CLI); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ParseToken(raw, time.Now()); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("token accepted by another instance: %v", err)
	}
	called := false
	m.OnDelete(func(*instance.Instance) { called = true })
	if err := m.Delete(ctx, "alice.example"); err != nil || !called {
		t.Fatal(err, called)
	}
	if _, err := os.Stat(m.Dir(got)); !os.IsNotExist(err) {
		t.Fatalf("data left: %v", err)
	}
	if _, err := m.Get("alice.example"); !errors.Is(err, instance.ErrNotFound) {
		t.Fatal(err)
	}
}

func TestNormalizeDomain(t *testing.T) {
	for in, want := range map[string]string{
		"cozy.localhost:8080": "cozy.localhost:8080", "Alice.Example.Org": "alice.example.org",
		"localhost": "localhost", "127.0.0.1:8080": "127.0.0.1:8080", "x.example.": "x.example",
	} {
		if got, err := instance.NormalizeDomain(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a..b", "a/b", "a b", "x:0", "x:99999", "x:08", "é.example", "-:1:2"} {
		if _, err := instance.NormalizeDomain(bad); !errors.Is(err, instance.ErrInvalidDomain) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestClientSecret checks the derivation against a vector computed with
// Node's crypto.pbkdf2Sync, the same PBKDF2-SHA256 that browsers run:
// pbkdf2(pbkdf2("cozy", "me@alice.example", 1000), "cozy", 1), base64.
func TestClientSecret(t *testing.T) {
	got, err := instance.ClientSecret("cozy", "alice.example", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if want := "I4TWR3KCTapstIKx7P1t7Yw2f5UL8v0jgxFyeWJtv+Q="; got != want {
		t.Fatalf("secret %q, want %q", got, want)
	}
	again, _ := instance.ClientSecret("cozy", "alice.example", 1000)
	other, _ := instance.ClientSecret("cozy", "bob.example", 1000)
	if again != got || other == got {
		t.Fatal("derivation not deterministic or not salted by host")
	}
}
