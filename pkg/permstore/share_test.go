package permstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/token"
)

// TestShareCodesBound: with the clock stopped, two shares with the same
// code name still get different codes, each resolving to its own share;
// an expired share's code is ErrExpired, a revoked or foreign code
// ErrNotFound.
func TestShareCodesBound(t *testing.T) {
	ctx := context.Background()
	s, inst := setup(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Now = func() time.Time { return now }
	owner := &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files")}
	mk := func(scope string, names ...string) *permission.Permission {
		t.Helper()
		p, err := s.CreateShare(ctx, inst, permstore.ShareRequest{Creator: owner, Rules: rules(t, scope), TTL: time.Hour, Codes: names})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := mk("io.cozy.files:GET:a", "bob", "jane"), mk("io.cozy.files:GET:b", "bob")
	if a.Codes["bob"] == b.Codes["bob"] || a.Codes["bob"] == a.Codes["jane"] {
		t.Fatal("codes alike")
	}
	for _, p := range []*permission.Permission{a, b} {
		for name, code := range p.Codes {
			got, err := s.ByCode(ctx, inst, code)
			if err != nil || got.ID != p.ID {
				t.Fatalf("code %s of %s: %v %v", name, p.ID, got, err)
			}
		}
	}
	// A code not naming its share (as codes were made before) is refused
	// even though a share lists it.
	legacy, err := inst.IssueClaims(token.Claims{Audience: token.Share, Subject: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	a.Codes["old"] = legacy
	if err := s.Put(ctx, inst, a); err != nil {
		t.Fatal(err)
	}
	for what, code := range map[string]string{"legacy": legacy, "garbage": "nope", "empty": ""} {
		if _, err := s.ByCode(ctx, inst, code); !errors.Is(err, permstore.ErrNotFound) {
			t.Errorf("%s code: %v", what, err)
		}
	}
	// Revoked: the share no longer lists jane.
	jane := a.Codes["jane"]
	if err := (permstore.Patch{Codes: map[string]string{"bob": ""}}).Apply(owner, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, inst, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByCode(ctx, inst, jane); !errors.Is(err, permstore.ErrNotFound) {
		t.Fatalf("revoked code: %v", err)
	}
	// Expired: a's code is refused, b's still works.
	now = now.Add(2 * time.Hour)
	b.ExpiresAt = nil
	if err := s.Put(ctx, inst, b); err != nil {
		t.Fatal(err)
	}
	if p, err := s.ByCode(ctx, inst, a.Codes["bob"]); !errors.Is(err, token.ErrExpired) {
		t.Fatalf("expired share's code: %v %v", p, err)
	}
	if p, err := s.ByCode(ctx, inst, b.Codes["bob"]); err != nil || p.ID != b.ID {
		t.Fatalf("live share's code: %v %v", p, err)
	}
	live, err := s.LiveShares(ctx, inst)
	if err != nil || len(live) != 1 || live[0].ID != b.ID {
		t.Fatalf("live shares: %v %v", live, err)
	}
}

func TestCreateShareRefused(t *testing.T) {
	ctx := context.Background()
	s, inst := setup(t)
	owner := &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files:GET")}
	shareTok := &permission.Permission{Type: permission.TypeShareByLink, Rules: rules(t, "io.cozy.files")}
	many := make([]string, permstore.MaxCodes+1)
	for i := range many {
		many[i] = "n"
	}
	tests := []struct {
		name string
		req  permstore.ShareRequest
		want error
	}{
		{"by a share", permstore.ShareRequest{Creator: shareTok, Rules: rules(t, "io.cozy.files:GET")}, permission.ErrForbidden},
		{"no rules", permstore.ShareRequest{Creator: owner}, permstore.ErrInvalid},
		{"beyond the creator", permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:PUT")}, permission.ErrForbidden},
		{"tiny without ttl", permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:GET"), Tiny: true}, permstore.ErrInvalid},
		{"tiny too long", permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:GET"), Tiny: true, TTL: 2 * time.Hour}, permstore.ErrInvalid},
		{"too many codes", permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:GET"), Codes: many}, permstore.ErrInvalid},
		{"empty name", permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:GET"), Codes: []string{"a", " "}}, permstore.ErrInvalid},
	}
	for _, tt := range tests {
		if _, err := s.CreateShare(ctx, inst, tt.req); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	p, err := s.CreateShare(ctx, inst, permstore.ShareRequest{Creator: owner, Rules: rules(t, "io.cozy.files:GET"), Tiny: true, TTL: time.Hour, Codes: []string{"a"}})
	if err != nil || len(p.ShortCodes["a"]) != 6 || p.ExpiresAt == nil {
		t.Fatalf("tiny share: %+v %v", p, err)
	}
}
