package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/middleware"
)

func newTestServer(t *testing.T) (*Server, *instance.Instance) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	mgr, err := instance.Open(dir, passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: "alice.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := stack.New(&config.Config{FsURL: dir, Subdomains: config.SubdomainsFlat}, mgr, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(st, &admin.Guard{Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, inst
}

func TestResolver(t *testing.T) {
	ctx := context.Background()
	s, inst := newTestServer(t)
	r := s.Auth.Resolver
	rules, _ := permission.ParseScope("io.cozy.files")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Perms.Put(ctx, inst, &permission.Permission{Type: permission.TypeApp, SourceID: permstore.AppID("drive"), Rules: rules}))
	must(s.Perms.Put(ctx, inst, &permission.Permission{Type: permission.TypeKonnector, SourceID: permstore.KonnectorID("bank"), Rules: rules}))
	share, err := s.Perms.CreateShare(ctx, inst, permstore.ShareRequest{Creator: &permission.Permission{Type: permission.TypeCLI, Rules: rules}, Rules: rules, Codes: []string{"x"}})
	must(err)
	sess, err := s.Sessions.Create(ctx, inst, false)
	must(err)

	withCookie := httptest.NewRequest("GET", "/", nil)
	withCookie.AddCookie(session.Cookie(inst, sess, false))
	forged := httptest.NewRequest("GET", "/", nil)
	forged.AddCookie(&http.Cookie{Name: session.CookieName, Value: sess.ID + ".forged"})
	bare := httptest.NewRequest("GET", "/", nil)
	claims := &token.Claims{Audience: token.App, Subject: "drive"}

	appTests := []struct {
		name string
		slug string
		req  *http.Request
		want error
	}{
		{"installed with session", "drive", withCookie, nil},
		{"no cookie", "drive", bare, token.ErrInvalid},
		{"forged cookie", "drive", forged, token.ErrInvalid},
		{"not installed", "photos", withCookie, middleware.ErrUnknownSubject},
	}
	for _, tt := range appTests {
		_, err := r.App(ctx, inst, tt.slug, claims, tt.req)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("app %s: %v", tt.name, err)
		}
	}
	must(s.Sessions.Delete(ctx, inst, sess.ID))
	if _, err := r.App(ctx, inst, "drive", claims, withCookie); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("closed session: %v", err)
	}
	if p, err := r.Konnector(ctx, inst, "bank"); err != nil || p.Type != permission.TypeKonnector {
		t.Errorf("konnector: %v", err)
	}
	if _, err := r.Konnector(ctx, inst, "other"); !errors.Is(err, middleware.ErrUnknownSubject) {
		t.Errorf("unknown konnector: %v", err)
	}
	if p, err := r.ShareCode(ctx, inst, share.Codes["x"]); err != nil || p.ID != share.ID {
		t.Errorf("share: %v", err)
	}
	if _, err := r.ShareCode(ctx, inst, "other"); !errors.Is(err, middleware.ErrUnknownSubject) {
		t.Errorf("unknown share: %v", err)
	}
	past := time.Now().Add(-time.Hour)
	share.ExpiresAt = &past
	must(s.Perms.Put(ctx, inst, share))
	if _, err := r.ShareCode(ctx, inst, share.Codes["x"]); !errors.Is(err, token.ErrExpired) {
		t.Errorf("expired share: %v", err)
	}
	must(s.Perms.Delete(ctx, inst, share.ID, ""))
	if _, err := r.ShareCode(ctx, inst, share.Codes["x"]); !errors.Is(err, middleware.ErrUnknownSubject) {
		t.Errorf("deleted share: %v", err)
	}
	c, err := s.OAuth.Register(ctx, inst, oauth.Metadata{RedirectURIs: []string{"https://app.example/cb"}, ClientName: "c", SoftwareID: "s"}, false)
	must(err)
	if err := r.OAuthClient(ctx, inst, c.ID); err != nil {
		t.Errorf("client: %v", err)
	}
	must(s.OAuth.Delete(ctx, inst, c.ID))
	if err := r.OAuthClient(ctx, inst, c.ID); !errors.Is(err, middleware.ErrUnknownSubject) {
		t.Errorf("deleted client: %v", err)
	}
}

func TestAdminClientOAuth(t *testing.T) {
	s, inst := newTestServer(t)
	srv := httptest.NewServer(s.AdminHandler())
	t.Cleanup(srv.Close)
	q := url.Values{"Domain": {inst.Domain}, "RedirectURI": {"http://localhost/cb"}, "ClientName": {"cli"}, "SoftwareID": {"github.com/cozypi/cli"}}
	resp, err := http.Post(srv.URL+"/instances/oauth_client?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	id, _ := got["client_id"].(string)
	if ok, err := s.OAuth.Exists(context.Background(), inst, id); !ok || err != nil {
		t.Fatalf("client %q not stored: %v", id, err)
	}
	q.Del("RedirectURI")
	resp2, err := http.Post(srv.URL+"/instances/oauth_client?"+q.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no redirect uri: %d", resp2.StatusCode)
	}
}
