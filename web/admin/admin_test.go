package admin_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

var fast = passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// resolver knows no app, konnector, OAuth client or share.
type resolver struct{}

func (resolver) App(context.Context, *instance.Instance, string, *token.Claims, *http.Request) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}
func (resolver) AppService(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}
func (resolver) Konnector(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}
func (resolver) OAuthClient(context.Context, *instance.Instance, string) error {
	return middleware.ErrUnknownSubject
}
func (resolver) ShareCode(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}

func newAdmin(t *testing.T, guard *admin.Guard) (*webtest.Env, string, *instance.Manager) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(fast, 2), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	guard.Hasher = passhash.New(fast, 1)
	r := gin.New()
	h := &admin.Handler{Instances: m, Resolver: resolver{}, Log: log}
	h.Register(r.Group("/", guard.Middleware()))
	e, base := serve(t, r)
	return e, base, m
}

// serve starts the admin routes of r and returns an Env for scenarios
// with absolute URLs (base + path): the admin API has no instance host.
func serve(t *testing.T, r http.Handler) (*webtest.Env, string) {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &webtest.Env{HTTP: srv}, srv.URL
}

// basic is the Authorization header of the admin passphrase pass.
func basic(pass string) map[string]string {
	if pass == "" {
		return nil
	}
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+pass))}
}

func TestGuard(t *testing.T) {
	hashFile := filepath.Join(t.TempDir(), "cozy-admin-passphrase")
	enc, _ := passhash.New(fast, 1).Hash(context.Background(), []byte("file-secret"))
	os.WriteFile(hashFile, []byte(enc+"\n"), 0o600)
	tests := []struct {
		name  string
		guard admin.Guard
		pass  string
		want  int
	}{
		{"nothing configured refuses", admin.Guard{}, "", 401},
		{"nothing configured refuses any passphrase", admin.Guard{}, "x", 401},
		{"dev without secret allows", admin.Guard{Dev: true}, "", 200},
		{"dev with a secret still checks it", admin.Guard{Dev: true, Passphrase: "env-secret"}, "", 401},
		{"env passphrase", admin.Guard{Passphrase: "env-secret"}, "env-secret", 200},
		{"env passphrase, wrong", admin.Guard{Passphrase: "env-secret"}, "env-secreT", 401},
		{"hash file", admin.Guard{HashFile: hashFile}, "file-secret", 200},
		{"hash file, wrong", admin.Guard{HashFile: hashFile}, "nope", 401},
		{"missing hash file", admin.Guard{HashFile: hashFile + ".missing"}, "x", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.guard
			e, base, _ := newAdmin(t, &g)
			sc := webtest.Scenario{Method: "GET", URL: base + "/instances", Headers: basic(tt.pass), ExpectedStatus: tt.want}
			if tt.want == 401 {
				sc.ExpectedHeaders = map[string]string{"WWW-Authenticate": `Basic realm="cozy-admin"`}
			}
			e.Test(t, sc)
		})
	}
}

func TestInstancesAPI(t *testing.T) {
	e, base, m := newAdmin(t, &admin.Guard{Passphrase: "p"})
	res, body := e.Do(t, nil, "POST", base+"/instances?Domain=Alice.Example:8080&Email=a@example.org&Locale=fr&DiskQuota=5GB", "", "", basic("p"))
	if res.StatusCode != 201 {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	var created struct {
		Data struct {
			ID         string
			Attributes map[string]any
		}
	}
	json.Unmarshal([]byte(body), &created)
	a := created.Data.Attributes
	if a["domain"] != "alice.example:8080" || a["locale"] != "fr" || a["disk_quota"] != float64(5e9) || len(a["register_token"].(string)) != 32 {
		t.Fatalf("attributes %v", a)
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "hash") {
		t.Fatalf("secrets leaked: %s", body)
	}
	steps := []struct {
		method, path string
		want         int
		contains     string
	}{
		{"POST", "/instances?Domain=alice.example:8080", 409, "already exists"},
		{"POST", "/instances", 400, "missing Domain"},
		{"POST", "/instances?Domain=bad%20domain", 422, "invalid domain"},
		{"POST", "/instances?Domain=b.example&DiskQuota=lots", 422, "disk quota"},
		{"GET", "/instances/alice.example:8080", 200, `"domain":"alice.example:8080"`},
		{"GET", "/instances/nobody.example", 404, "not found"},
		{"GET", "/instances/count", 200, `{"count":1}`},
		{"PATCH", "/instances/alice.example:8080?Locale=en&Blocked=true", 200, `"blocked":true`},
		{"PATCH", "/instances/alice.example:8080?Blocked=maybe", 422, "Blocked"},
		{"PATCH", "/instances/alice.example:8080?Passphrase=correct%20horse", 200, `"passphrase_set":true`},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=cli&Scope=io.cozy.files", 200, "eyJ"},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=cli&Scope=io.*", 400, "invalid permission"},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=root", 400, "unknown Audience"},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=app", 400, "Subject"},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=access&Subject=ghost&Scope=io.cozy.files", 404, "OAuth client"},
		{"POST", "/instances/token?Domain=alice.example:8080&Audience=cli&Scope=io.cozy.files&Expire=soon", 400, "Expire"},
		{"POST", "/instances/token?Domain=nobody.example&Audience=cli&Scope=io.cozy.files", 404, "not found"},
		{"POST", "/instances/oauth_client?Domain=alice.example:8080", 501, ""}, // a 5xx says only its status text
	}
	var scenarios []webtest.Scenario
	for _, s := range steps {
		scenarios = append(scenarios, webtest.Scenario{Name: s.method + " " + s.path, Method: s.method, URL: base + s.path,
			Headers: basic("p"), ExpectedStatus: s.want, ExpectedContent: []string{s.contains}})
	}
	e.Run(t, scenarios)
	inst, _ := m.Get("alice.example:8080")
	if err := m.CheckPassphrase(context.Background(), inst, "correct horse"); err != nil {
		t.Fatalf("passphrase set through PATCH: %v", err)
	}
	_, raw := e.Do(t, nil, "POST", base+"/instances/token?Domain=alice.example:8080&Audience=app&Subject=drive&Expire=1h", "", "", basic("p"))
	claims, err := inst.ParseToken(raw, time.Now(), token.App)
	if err != nil || claims.Subject != "drive" || claims.ExpiresAt == 0 {
		t.Fatalf("app token: %+v %v", claims, err)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "delete", Method: "DELETE", URL: base + "/instances/alice.example:8080", Headers: basic("p"), ExpectedStatus: 204},
		{Name: "after delete", Method: "GET", URL: base + "/instances/alice.example:8080", Headers: basic("p"), ExpectedStatus: 404},
		{Name: "list", Method: "GET", URL: base + "/instances", Headers: basic("p"), ExpectedStatus: 200,
			ExpectedContent: []string{`"data":[]`, `"count":0`}, ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}},
	})
}
