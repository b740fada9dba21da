package permstore_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
)

func setup(t *testing.T) (*permstore.Store, *instance.Instance) {
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
	return permstore.New(m), inst
}

func rules(t *testing.T, scope string) permission.Set {
	t.Helper()
	s, err := permission.ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAppKonnectorShare(t *testing.T) {
	ctx := context.Background()
	s, inst := setup(t)
	if _, err := s.ForApp(ctx, inst, "drive"); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("before any write: %v", err)
	}
	app := &permission.Permission{Type: permission.TypeApp, SourceID: permstore.AppID("drive"), Rules: rules(t, "io.cozy.files")}
	if err := s.Put(ctx, inst, app); err != nil {
		t.Fatal(err)
	}
	konn := &permission.Permission{Type: permission.TypeKonnector, SourceID: permstore.KonnectorID("bank"), Rules: rules(t, "io.cozy.bank.accounts:GET")}
	if err := s.Put(ctx, inst, konn); err != nil {
		t.Fatal(err)
	}
	share := &permission.Permission{Type: permission.TypeShareByLink, Rules: rules(t, "io.cozy.files:GET:abc"), Codes: map[string]string{"bob": "code-bob"}, ShortCodes: map[string]string{"bob": "short"}}
	if err := s.Put(ctx, inst, share); err != nil {
		t.Fatal(err)
	}
	got, err := s.ForApp(ctx, inst, "drive")
	if err != nil || got.Rules.String() != "io.cozy.files" || got.Rev == "" {
		t.Fatalf("app: %+v %v", got, err)
	}
	if got, err := s.ForKonnector(ctx, inst, "bank"); err != nil || got.Type != permission.TypeKonnector {
		t.Fatalf("konnector: %+v %v", got, err)
	}
	list, err := s.List(ctx, inst, permission.TypeShareByLink)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	if err := s.Delete(ctx, inst, share.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, inst, share.ID); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("deleted share still found: %v", err)
	}
	if err := s.Delete(ctx, inst, share.ID, ""); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

// TestAppWithoutPermissions: an app that declares no permission is still
// installed; its document has no rules and allows nothing.
func TestAppWithoutPermissions(t *testing.T) {
	ctx := context.Background()
	s, inst := setup(t)
	id := permstore.AppID("clock")
	if err := s.Put(ctx, inst, &permission.Permission{ID: id, Type: permission.TypeApp, SourceID: id}); err != nil {
		t.Fatal(err)
	}
	p, err := s.ForApp(ctx, inst, "clock")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AllowSome(permission.GET, "io.cozy.files"); !errors.Is(err, permission.ErrForbidden) {
		t.Fatalf("an app without permissions was allowed: %v", err)
	}
}

func TestPutRefused(t *testing.T) {
	ctx := context.Background()
	s, inst := setup(t)
	tests := []struct {
		name string
		p    permission.Permission
	}{
		{"cli type", permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files")}},
		{"app without source", permission.Permission{Type: permission.TypeApp, Rules: rules(t, "io.cozy.files")}},
		{"app with other id", permission.Permission{ID: "x", Type: permission.TypeApp, SourceID: "io.cozy.apps/a", Rules: rules(t, "io.cozy.files")}},
		{"share without rules", permission.Permission{Type: permission.TypeShareByLink}},
		{"oauth without rules", permission.Permission{Type: permission.TypeOAuth}},
	}
	for _, tt := range tests {
		if err := s.Put(ctx, inst, &tt.p); !errors.Is(err, permstore.ErrInvalid) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if all, err := s.List(ctx, inst); err != nil || len(all) != 0 {
		t.Fatalf("something stored: %d %v", len(all), err)
	}
	// A stale revision is refused.
	p := &permission.Permission{Type: permission.TypeShareByLink, Rules: rules(t, "io.cozy.files:GET")}
	if err := s.Put(ctx, inst, p); err != nil {
		t.Fatal(err)
	}
	stale := *p
	if err := s.Put(ctx, inst, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, inst, &stale); err == nil {
		t.Fatal("stale revision accepted")
	}
}
