package middleware_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// fakeResolver knows one app, one konnector, one OAuth client and one share code.
type fakeResolver struct{ shareCode string }

func (f *fakeResolver) App(_ context.Context, _ *instance.Instance, slug string, _ *token.Claims, r *http.Request) (*permission.Permission, error) {
	if slug != "drive" {
		return nil, fmt.Errorf("%w: %s", middleware.ErrUnknownSubject, slug)
	}
	if _, err := r.Cookie("cozysessid"); err != nil {
		return nil, fmt.Errorf("%w: app token without session", token.ErrInvalid)
	}
	rules, _ := permission.ParseScope("io.cozy.files io.cozy.contacts:GET")
	return &permission.Permission{Type: permission.TypeApp, SourceID: "io.cozy.apps/drive", Rules: rules}, nil
}

func (f *fakeResolver) AppService(_ context.Context, _ *instance.Instance, slug string) (*permission.Permission, error) {
	if slug != "drive" {
		return nil, fmt.Errorf("%w: %s", middleware.ErrUnknownSubject, slug)
	}
	rules, _ := permission.ParseScope("io.cozy.files io.cozy.contacts:GET")
	return &permission.Permission{Type: permission.TypeApp, SourceID: "io.cozy.apps/drive", Rules: rules}, nil
}

func (f *fakeResolver) Konnector(_ context.Context, _ *instance.Instance, slug string) (*permission.Permission, error) {
	if slug != "bank" {
		return nil, middleware.ErrUnknownSubject
	}
	rules, _ := permission.ParseScope("io.cozy.bank.*")
	return &permission.Permission{Type: permission.TypeKonnector, SourceID: "io.cozy.konnectors/bank", Rules: rules}, nil
}

func (f *fakeResolver) OAuthClient(_ context.Context, _ *instance.Instance, id string) error {
	if id != "client1" {
		return middleware.ErrUnknownSubject
	}
	return nil
}

func (f *fakeResolver) ShareCode(_ context.Context, _ *instance.Instance, code string) (*permission.Permission, error) {
	if code != f.shareCode {
		return nil, middleware.ErrUnknownSubject
	}
	rules, _ := permission.ParseScope("io.cozy.contacts:GET:c1")
	past := time.Now().Add(time.Hour)
	return &permission.Permission{Type: permission.TypeShareByLink, Rules: rules, ExpiresAt: &past}, nil
}

// TestTokenTransportsAndKinds drives a request through the middleware for
// every transport and token kind, with the expected status.
func TestTokenTransportsAndKinds(t *testing.T) {
	m := newInstances(t, "alice.example", "bob.example")
	alice, _ := m.Get("alice.example")
	bob, _ := m.Get("bob.example")
	now := time.Now()
	mint := func(inst *instance.Instance, c token.Claims) string {
		raw, err := inst.IssueClaims(c)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	share := mint(alice, token.Claims{Audience: token.Share, Subject: "share"})
	auth := &middleware.Auth{Resolver: &fakeResolver{shareCode: share}}
	r := gin.New()
	r.Use(middleware.Instance(m, config.SubdomainsFlat))
	r.GET("/data/:doctype/:id", httperr.Handle(func(c *gin.Context) error {
		if err := auth.RequireData(c, permission.GET, c.Param("doctype"), permission.MapDoc{"_id": c.Param("id")}); err != nil {
			return err
		}
		c.String(http.StatusOK, "ok")
		return nil
	}))
	cli := mint(alice, token.Claims{Audience: token.CLI, Scope: "io.cozy.contacts"})
	tests := []struct {
		name    string
		token   string
		via     string // bearer, basic, query
		path    string
		cookie  bool
		status  int
		message string
	}{
		{"cli bearer", cli, "bearer", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"cli basic password", cli, "basic", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"cli query", cli, "query", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"cli out of scope", cli, "bearer", "/data/io.cozy.events/e1", false, 403, ""},
		{"cli reserved doctype", mint(alice, token.Claims{Audience: token.CLI, Scope: "io.cozy.permissions"}), "bearer", "/data/io.cozy.permissions/p1", false, 403, "reserved doctype"},
		{"none", "", "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"malformed", "abc.def", "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"malformed basic", "%%%", "rawbasic", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"tampered", cli[:len(cli)-3] + "xyz", "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"other instance", mint(bob, token.Claims{Audience: token.CLI, Scope: "io.cozy.contacts"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"expired", mint(alice, token.Claims{Audience: token.CLI, Scope: "io.cozy.contacts", IssuedAt: now.Add(-time.Hour).Unix()}), "bearer", "/data/io.cozy.contacts/c1", false, 400, "Expired token"},
		{"refresh token as bearer", mint(alice, token.Claims{Audience: token.Refresh, Subject: "client1", Scope: "io.cozy.contacts"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"registration token as bearer", mint(alice, token.Claims{Audience: token.Registration, Subject: "client1"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"cli with bad scope", mint(alice, token.Claims{Audience: token.CLI, Scope: "io.*"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"service token of an installed app", mint(alice, token.Claims{Audience: token.CLI, Subject: "drive", Scope: "io.cozy.contacts:GET"}), "bearer", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"service token: the app's rules, not the token's scope", mint(alice, token.Claims{Audience: token.CLI, Subject: "drive", Scope: "io.cozy.events"}), "bearer", "/data/io.cozy.events/e1", false, 403, ""},
		{"service token of an uninstalled app", mint(alice, token.Claims{Audience: token.CLI, Subject: "photos", Scope: "io.cozy.contacts"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"oauth known client", mint(alice, token.Claims{Audience: token.Access, Subject: "client1", Scope: "io.cozy.contacts:GET"}), "bearer", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"oauth without the scope", mint(alice, token.Claims{Audience: token.Access, Subject: "client1", Scope: "io.cozy.files"}), "bearer", "/data/io.cozy.contacts/c1", false, 403, ""},
		{"oauth deleted client", mint(alice, token.Claims{Audience: token.Access, Subject: "gone", Scope: "io.cozy.contacts"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"app with session", mint(alice, token.Claims{Audience: token.App, Subject: "drive"}), "bearer", "/data/io.cozy.contacts/c1", true, 200, ""},
		{"app without session", mint(alice, token.Claims{Audience: token.App, Subject: "drive"}), "bearer", "/data/io.cozy.contacts/c1", false, 401, ""},
		{"app not installed", mint(alice, token.Claims{Audience: token.App, Subject: "photos"}), "bearer", "/data/io.cozy.contacts/c1", true, 401, ""},
		{"konnector", mint(alice, token.Claims{Audience: token.Konnector, Subject: "bank"}), "bearer", "/data/io.cozy.bank.operations/o1", false, 200, ""},
		{"konnector out of scope", mint(alice, token.Claims{Audience: token.Konnector, Subject: "bank"}), "bearer", "/data/io.cozy.contacts/c1", false, 403, ""},
		{"share code, shared doc", share, "query", "/data/io.cozy.contacts/c1", false, 200, ""},
		{"share code, other doc", share, "query", "/data/io.cozy.contacts/c2", false, 403, ""},
		{"revoked share code", mint(alice, token.Claims{Audience: token.Share, Subject: "other"}), "query", "/data/io.cozy.contacts/c1", false, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.path
			if tt.via == "query" {
				target += "?bearer_token=" + url.QueryEscape(tt.token)
			}
			req := httptest.NewRequest("GET", target, nil)
			req.Host = "alice.example"
			switch {
			case tt.token == "" || tt.via == "query":
			case tt.via == "bearer":
				req.Header.Set("Authorization", "Bearer "+tt.token)
			case tt.via == "basic":
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:"+tt.token)))
			case tt.via == "rawbasic":
				req.Header.Set("Authorization", "Basic "+tt.token)
			}
			if tt.cookie {
				req.AddCookie(&http.Cookie{Name: "cozysessid", Value: "x"})
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 200 {
				var body struct{ Error, Reason string }
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error == "" {
					t.Fatalf("error body %s", w.Body)
				}
				if tt.message != "" && !strings.Contains(body.Error, tt.message) {
					t.Fatalf("error %q lacks %q", body.Error, tt.message)
				}
			}
		})
	}
}

func FuzzTokenFromRequest(f *testing.F) {
	f.Add("Bearer abc", "")
	f.Add("Basic "+base64.StdEncoding.EncodeToString([]byte(":tok")), "")
	f.Add("", "bearer_token=x")
	f.Fuzz(func(t *testing.T, header, query string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.RawQuery = query
		req.Header.Set("Authorization", header)
		_ = middleware.TokenFromRequest(req)
	})
}
