package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/passhash"
)

func setup(t *testing.T) (*oauth.Service, *instance.Instance, *time.Time) {
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
	now := time.Now()
	s := oauth.New(m)
	s.Now = func() time.Time { return now }
	return s, inst, &now
}

var meta = oauth.Metadata{RedirectURIs: []string{"http://127.0.0.1:9999/cb"}, ClientName: "Test", SoftwareID: "github.com/cozypi/test"}

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

func TestRegisterValidation(t *testing.T) {
	s, inst, _ := setup(t)
	tests := []struct {
		name string
		m    oauth.Metadata
		want error
	}{
		{"no redirect", oauth.Metadata{ClientName: "a", SoftwareID: "b"}, oauth.ErrInvalidRedirectURI},
		{"javascript", oauth.Metadata{RedirectURIs: []string{"javascript:alert(1)"}, ClientName: "a", SoftwareID: "b"}, oauth.ErrInvalidRedirectURI},
		{"fragment", oauth.Metadata{RedirectURIs: []string{"https://x/#a"}, ClientName: "a", SoftwareID: "b"}, oauth.ErrInvalidRedirectURI},
		{"no name", oauth.Metadata{RedirectURIs: []string{"https://x/"}, SoftwareID: "b"}, oauth.ErrInvalidClientMeta},
		{"no software", oauth.Metadata{RedirectURIs: []string{"https://x/"}, ClientName: "a"}, oauth.ErrInvalidClientMeta},
	}
	for _, tt := range tests {
		if _, err := s.Register(context.Background(), inst, tt.m, false); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if list, err := s.List(context.Background(), inst); err != nil || len(list) != 0 {
		t.Fatalf("stored: %d %v", len(list), err)
	}
}

func TestFlow(t *testing.T) {
	ctx := context.Background()
	s, inst, now := setup(t)
	c, err := s.Register(ctx, inst, meta, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckRegistrationToken(inst, c.ID, c.RegistrationToken); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckRegistrationToken(inst, "other", c.RegistrationToken); err == nil {
		t.Fatal("registration token of another client accepted")
	}
	verifier := "a-verifier-that-is-long-enough-for-pkce-0123456789"
	req := oauth.AuthorizeRequest{ClientID: c.ID, RedirectURI: meta.RedirectURIs[0], State: "xyz", Scope: "io.cozy.files:GET",
		CodeChallenge: challenge(verifier), CodeChallengeMethod: "S256"}
	bad := []struct {
		name   string
		change func(*oauth.AuthorizeRequest)
		want   error
	}{
		{"plain", func(r *oauth.AuthorizeRequest) { r.CodeChallengeMethod = "plain" }, oauth.ErrInvalidRequest},
		{"no state", func(r *oauth.AuthorizeRequest) { r.State = "" }, oauth.ErrInvalidRequest},
		{"prefix redirect", func(r *oauth.AuthorizeRequest) { r.RedirectURI += "/x" }, oauth.ErrInvalidRedirectURI},
		{"bad scope", func(r *oauth.AuthorizeRequest) { r.Scope = "NOT A DOCTYPE" }, oauth.ErrInvalidScope},
		{"reserved scope", func(r *oauth.AuthorizeRequest) { r.Scope = "io.cozy.sessions" }, oauth.ErrInvalidScope},
		{"unknown client", func(r *oauth.AuthorizeRequest) { r.ClientID = "nope" }, oauth.ErrInvalidClient},
	}
	for _, tt := range bad {
		r := req
		tt.change(&r)
		if _, _, err := s.CheckAuthorize(ctx, inst, r); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, _, err := s.CheckAuthorize(ctx, inst, req); err != nil {
		t.Fatal(err)
	}
	code, err := s.CreateCode(ctx, inst, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exchange(ctx, inst, c.ID, "wrong", code, verifier, req.RedirectURI); !errors.Is(err, oauth.ErrInvalidClient) {
		t.Fatalf("bad secret: %v", err)
	}
	if _, err := s.Exchange(ctx, inst, c.ID, c.Secret, code, "wrong-verifier", req.RedirectURI); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("bad verifier: %v", err)
	}
	// The failed attempt consumed the code.
	if _, err := s.Exchange(ctx, inst, c.ID, c.Secret, code, verifier, req.RedirectURI); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("reused code: %v", err)
	}
	code, _ = s.CreateCode(ctx, inst, req)
	tok, err := s.Exchange(ctx, inst, c.ID, c.Secret, code, verifier, req.RedirectURI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exchange(ctx, inst, c.ID, c.Secret, code, verifier, req.RedirectURI); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("second exchange: %v", err)
	}
	cl, err := inst.ParseToken(tok.AccessToken, *now)
	if err != nil || cl.Subject != c.ID || cl.Scope != "io.cozy.files:GET" {
		t.Fatalf("access token: %+v %v", cl, err)
	}
	ref, err := s.Refresh(ctx, inst, c.ID, c.Secret, tok.RefreshToken)
	if err != nil || ref.AccessToken == "" {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := s.Refresh(ctx, inst, c.ID, c.Secret, tok.AccessToken); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("access token used as refresh: %v", err)
	}
	// Expired code.
	code, _ = s.CreateCode(ctx, inst, req)
	*now = now.Add(11 * time.Minute)
	if _, err := s.Exchange(ctx, inst, c.ID, c.Secret, code, verifier, req.RedirectURI); !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("expired code: %v", err)
	}
	// Update then delete.
	m2 := meta
	m2.ClientName = "Renamed"
	if u, err := s.Update(ctx, inst, c.ID, m2); err != nil || u.ClientName != "Renamed" {
		t.Fatalf("update: %v", err)
	}
	if ok, err := s.Exists(ctx, inst, c.ID); !ok || err != nil {
		t.Fatal("client missing")
	}
	if err := s.Delete(ctx, inst, c.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Exists(ctx, inst, c.ID); ok || err != nil {
		t.Fatalf("deleted client exists: %v", err)
	}
	_, err = s.Refresh(ctx, inst, c.ID, c.Secret, tok.RefreshToken)
	if !errors.Is(err, oauth.ErrInvalidClient) {
		t.Fatalf("refresh after delete: %v", err)
	}
	if oauth.Code(err) != "invalid_client" || oauth.Code(io.EOF) != "server_error" {
		t.Fatal("Code")
	}
}

func TestSynchronized(t *testing.T) {
	ctx := context.Background()
	s, inst, now := setup(t)
	c, err := s.Register(ctx, inst, meta, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronized(ctx, inst, c.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, inst, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.SynchronizedAt.Equal(now.UTC().Truncate(time.Second)) {
		t.Fatalf("synchronized_at = %v, want %v", got.SynchronizedAt, *now)
	}
	if err := s.Synchronized(ctx, inst, "nope"); err == nil {
		t.Fatal("unknown client synchronized")
	}
}

// TestPending: a dynamically registered client is pending until an access
// code is made for it; DeleteIfPending removes only pending clients, and a
// client the owner registers is never pending.
func TestPending(t *testing.T) {
	ctx := context.Background()
	s, inst, _ := setup(t)
	unused, err := s.Register(ctx, inst, meta, false)
	if err != nil || !unused.Pending {
		t.Fatalf("registered client: %+v %v", unused, err)
	}
	used, _ := s.Register(ctx, inst, meta, false)
	verifier := "a-verifier-that-is-long-enough-for-pkce-0123456789"
	if _, err := s.CreateCode(ctx, inst, oauth.AuthorizeRequest{ClientID: used.ID, RedirectURI: meta.RedirectURIs[0], State: "s",
		Scope: "io.cozy.files:GET", CodeChallenge: challenge(verifier), CodeChallengeMethod: "S256"}); err != nil {
		t.Fatal(err)
	}
	owned, err := s.RegisterByOwner(ctx, inst, meta, false)
	if err != nil || owned.Pending {
		t.Fatalf("owner's client: %+v %v", owned, err)
	}
	for _, tc := range []struct {
		id      string
		deleted bool
	}{{unused.ID, true}, {used.ID, false}, {owned.ID, false}, {unused.ID, false}, {"never-existed", false}} {
		deleted, err := s.DeleteIfPending(ctx, inst, tc.id)
		if err != nil || deleted != tc.deleted {
			t.Errorf("DeleteIfPending(%s) = %v, %v; want %v", tc.id, deleted, err, tc.deleted)
		}
	}
	if ok, _ := s.Exists(ctx, inst, used.ID); !ok {
		t.Fatal("a used client was deleted")
	}
}
