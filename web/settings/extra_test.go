package settings_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/token"
)

func TestExtraRoutes(t *testing.T) {
	e := newEnv(t)
	anon := e.srv.Client()
	cli, _ := e.inst.Issue(token.CLI, "", "io.cozy.files")
	ctx := context.Background()
	client, err := e.s.OAuth.Register(ctx, e.inst, oauth.Metadata{RedirectURIs: []string{"http://localhost/cb"}, ClientName: "phone", SoftwareID: "phone.example"}, false)
	if err != nil {
		t.Fatal(err)
	}
	access, _ := e.inst.Issue(token.Access, client.ID, "io.cozy.files")
	tests := []struct {
		name         string
		c            *http.Client
		method, path string
		tok          string
		status       int
		contains     string
	}{
		{"context with a token", anon, "GET", "/settings/context", cli, 200, `"default_redirection":"drive/#/folder"`},
		{"context with the session", e.owner, "GET", "/settings/context", "", 200, "io.cozy.settings.context"},
		{"context anonymous", anon, "GET", "/settings/context", "", 401, ""},
		{"flags", anon, "GET", "/settings/flags", cli, 200, "io.cozy.settings.flags"},
		{"flags anonymous", anon, "GET", "/settings/flags", "", 401, ""},
		{"synchronized by an OAuth client", anon, "POST", "/settings/synchronized", access, 204, ""},
		{"synchronized by a CLI token", anon, "POST", "/settings/synchronized", cli, 403, ""},
		{"synchronized anonymous", anon, "POST", "/settings/synchronized", "", 401, ""},
		{"current session", e.owner, "GET", "/settings/sessions/current", "", 200, `"type":"io.cozy.sessions"`},
		{"current session without cookie", anon, "GET", "/settings/sessions/current", cli, 401, ""},
		{"avatar initials", anon, "GET", "/public/avatar", "", 200, "<svg"},
		{"avatar anonymous", anon, "GET", "/public/avatar?fallback=anonymous", "", 200, "<circle"},
		{"avatar 404", anon, "GET", "/public/avatar?fallback=404", "", 404, ""},
		{"connection check", anon, "GET", "/connection_check", "", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.c, tt.method, tt.path, tt.tok, "")
			if r.status != tt.status || !strings.Contains(r.body, tt.contains) {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	got, err := e.s.OAuth.Get(ctx, e.inst, client.ID)
	if err != nil || got.SynchronizedAt.IsZero() {
		t.Fatalf("synchronized_at not recorded: %v %v", got, err)
	}
}

func TestSessionFromAnotherOrigin(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.srv.URL+"/settings/instance", nil)
	req.Header.Set("Origin", "http://evil.example")
	res, err := e.owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("owner's cookie from another origin: %d, want 401", res.StatusCode)
	}
	req, _ = http.NewRequest("GET", e.srv.URL+"/settings/instance", nil)
	req.Header.Set("Origin", e.srv.URL)
	res, err = e.owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("owner's cookie from its own origin: %d, want 200", res.StatusCode)
	}
}

func TestInitials(t *testing.T) {
	e := newEnv(t)
	if _, err := e.mgr.Update(context.Background(), e.inst.Domain, func(i *instance.Instance) error { i.PublicName = "alice <b>Martin"; return nil }); err != nil {
		t.Fatal(err)
	}
	r := e.do(t, e.srv.Client(), "GET", "/public/avatar", "", "")
	if !strings.Contains(r.body, ">AB<") {
		t.Fatalf("initials: %s", r.body)
	}
}
