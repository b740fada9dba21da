package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/middleware"
	remoteweb "github.com/cozypi/cozy/web/remote"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// maxBytes is the test client's cap on answers.
const maxBytes = 4096

// seen is one request received by the fake remote website.
type seen struct {
	Method, URI, Auth, UA, ContentType, Body string
}

// upstream is a fake remote website on 127.0.0.1.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.Header.Get("Content-Type"), string(body)})
		u.mu.Unlock()
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<script>alert(1)</script>")
		case "/big": // chunked, past the cap
			w.Header().Set("Content-Type", "application/json")
			chunk := bytes.Repeat([]byte("x"), 1024)
			for range 2 * maxBytes / 1024 {
				w.Write(chunk)
				w.(http.Flusher).Flush()
			}
		case "/biglen":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(2*maxBytes))
			w.Write(bytes.Repeat([]byte("x"), 2*maxBytes))
		case "/logo.png":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, "PNG")
		default:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) last(t *testing.T) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream received no request")
	}
	return u.reqs[len(u.reqs)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// writeDoctypes writes the test definitions, pointing at base.
func writeDoctypes(t *testing.T, base string) string {
	dir := t.TempDir()
	defs := map[string]string{
		"org.test.search": "GET " + base + "/search?q={{q}}&lang=en\nAccept: application/json\n",
		"org.test.post":   "POST " + base + "/post\nContent-Type: application/json\n\n{\"query\": \"{{json query}}\"}\n",
		"org.test.html":   "GET " + base + "/html\n",
		"org.test.big":    "GET " + base + "/big\n",
		"org.test.biglen": "GET " + base + "/biglen\n",
		"org.test.secret": "GET " + base + "/secret?id={{id}}\nAuthorization: Bearer {{secret_token}}\n",
		"org.test.other":  "GET https://example.org/x\n",
	}
	for name, def := range defs {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "request"), []byte(def), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// appResolver gives each app slug the rules of its (fake) manifest.
type appResolver map[string]string

func (a appResolver) App(_ context.Context, _ *instance.Instance, slug string, _ *token.Claims, _ *http.Request) (*permission.Permission, error) {
	scope, ok := a[slug]
	if !ok {
		return nil, middleware.ErrUnknownSubject
	}
	rules, err := permission.ParseScope(scope)
	if err != nil {
		return nil, err
	}
	return &permission.Permission{Type: permission.TypeApp, SourceID: "io.cozy.apps/" + slug, Rules: rules}, nil
}
func (a appResolver) AppService(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	return a.App(ctx, inst, slug, nil, nil)
}
func (appResolver) Konnector(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}
func (appResolver) OAuthClient(context.Context, *instance.Instance, string) error {
	return middleware.ErrUnknownSubject
}
func (appResolver) ShareCode(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}

// env is a /remote server for one instance (apps resolved by appResolver,
// a client that lets the fake upstream through), its upstream and admin
// API. Requests go through webtest.Env.
type env struct {
	*webtest.Env
	admin string // the admin API's base URL
	up    *upstream
}

func newEnv(t *testing.T) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mgr, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	up := newUpstream(t)
	upAddr := netip.MustParseAddrPort(up.srv.Listener.Addr().String())
	client := remote.NewClient(remote.ClientConfig{
		AllowCustomPort:   true,
		MaxResponseBytes:  maxBytes,
		InsecureAllowAddr: func(ap netip.AddrPort) bool { return ap == upAddr }, // test hook: this one server only
	})
	auth := &middleware.Auth{Resolver: appResolver{
		"wiki":   "org.test.search org.test.post org.test.html org.test.big org.test.biglen org.test.secret",
		"reader": "org.test.search:GET",
		"other":  "io.cozy.files",
	}}
	h, err := remoteweb.New(remoteweb.Options{
		Instances: mgr, Auth: auth, DoctypesDir: writeDoctypes(t, up.srv.URL), Client: client,
		Assets: map[string]string{"logo": up.srv.URL + "/logo.png"}, Version: "1.2.3", Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	h.Register(r.Group("/", middleware.Instance(mgr, config.SubdomainsFlat)))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: strings.Replace(strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1", "localhost", 1)})
	if err != nil {
		t.Fatal(err)
	}
	ar := gin.New()
	(&admin.Handler{Instances: mgr, Resolver: auth.Resolver, Log: log}).Register(ar)
	adm := httptest.NewServer(ar)
	t.Cleanup(adm.Close)
	return &env{Env: &webtest.Env{Instances: mgr, HTTP: srv, Inst: inst}, admin: adm.URL, up: up}
}

func (e *env) appToken(t *testing.T, slug string) string {
	t.Helper()
	return e.Issue(t, token.App, slug, "")
}

// records returns the io.cozy.remote.requests documents of the instance.
func (e *env) records(t *testing.T) []map[string]any {
	t.Helper()
	st, err := e.Instances.Store(e.Inst)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.DB(remote.RequestLogDoctype).AllDocs(context.Background(), store.AllDocsOptions{IncludeDocs: true, InclusiveEnd: true})
	if err != nil && !strings.Contains(err.Error(), "not found") {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, row := range res.Rows {
		var m map[string]any
		if err := json.Unmarshal(row.Doc, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// detail checks the JSON:API error's detail is exactly want.
func detail(want string) func(*testing.T, *http.Response, string) {
	return func(t *testing.T, _ *http.Response, body string) {
		t.Helper()
		var doc struct {
			Errors []struct{ Detail string } `json:"errors"`
		}
		json.Unmarshal([]byte(body), &doc)
		if len(doc.Errors) == 0 || doc.Errors[0].Detail != want {
			t.Errorf("detail of %s, want %q", body, want)
		}
	}
}

// body checks the answer is exactly want.
func body(want string) func(*testing.T, *http.Response, string) {
	return func(t *testing.T, _ *http.Response, got string) {
		t.Helper()
		if got != want {
			t.Errorf("body %q, want %q", got, want)
		}
	}
}

// protected are the headers every relayed answer carries.
var protected = map[string]string{"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}

func TestCalls(t *testing.T) {
	e := newEnv(t)
	wiki := e.appToken(t, "wiki")
	tests := []struct {
		webtest.Scenario
		upstream *seen // the exact outgoing request, when one is expected
	}{
		{Scenario: webtest.Scenario{Name: "GET with query params, extra param not sent", Method: "GET",
			URL: "/remote/org.test.search?q=Douglas+Adams&comment=hello", Token: wiki,
			ExpectedStatus: 200, ExpectedHeaders: protected, After: body(`{"ok":true}`)},
			upstream: &seen{Method: "GET", URI: "/search?q=Douglas+Adams&lang=en", UA: "cozy-stack 1.2.3"}},
		{Scenario: webtest.Scenario{Name: "POST JSON body", Method: "POST", URL: "/remote/org.test.post", Token: wiki,
			Body:           `{"query": "Qbhtynf \"Nqnzf\"", "comment": "rot13"}`,
			ExpectedStatus: 200, ExpectedHeaders: protected, After: body(`{"ok":true}`)},
			upstream: &seen{Method: "POST", URI: "/post", ContentType: "application/json", Body: `{"query": "Qbhtynf \"Nqnzf\""}`}},
		{Scenario: webtest.Scenario{Name: "missing variable", Method: "GET", URL: "/remote/org.test.search?comment=x", Token: wiki,
			ExpectedStatus: 400, After: detail("a variable is used in the template, but no value was given")}},
		{Scenario: webtest.Scenario{Name: "POST body not JSON strings", Method: "POST", URL: "/remote/org.test.post", Token: wiki, Body: `{"query": 1}`,
			ExpectedStatus: 400, After: detail("the variables are not valid")}},
		{Scenario: webtest.Scenario{Name: "POST body not UTF-8", Method: "POST", URL: "/remote/org.test.post", Token: wiki, Body: "{\"query\": \"\xff\"}",
			ExpectedStatus: 400}},
		{Scenario: webtest.Scenario{Name: "POST body too large", Method: "POST", URL: "/remote/org.test.post", Token: wiki,
			Body: `{"query": "` + strings.Repeat("x", remote.MaxParamsSize) + `"}`, ExpectedStatus: 413}},
		{Scenario: webtest.Scenario{Name: "verb mismatch", Method: "POST", URL: "/remote/org.test.search", Token: wiki, Body: `{"q": "x"}`,
			ExpectedStatus: 405, After: detail("the verb does not match the request definition")}},
		{Scenario: webtest.Scenario{Name: "HTML refused", Method: "GET", URL: "/remote/org.test.html", Token: wiki,
			ExpectedStatus: 502, After: detail("the content-type for the response is not authorized")}},
		{Scenario: webtest.Scenario{Name: "announced oversize refused", Method: "GET", URL: "/remote/org.test.biglen", Token: wiki,
			ExpectedStatus: 502, After: detail("the response from the remote host is too large")}},
		// The app's permission does not cover it: refused before the lookup.
		{Scenario: webtest.Scenario{Name: "unknown doctype", Method: "GET", URL: "/remote/org.test.nope", Token: wiki, ExpectedStatus: 403}},
		{Scenario: webtest.Scenario{Name: "no token", Method: "GET", URL: "/remote/org.test.search?q=x", ExpectedStatus: 401}},
		{Scenario: webtest.Scenario{Name: "token without the doctype", Method: "GET", URL: "/remote/org.test.search?q=x",
			Token: e.appToken(t, "other"), ExpectedStatus: 403}},
		{Scenario: webtest.Scenario{Name: "GET-only permission refuses POST", Method: "POST", URL: "/remote/org.test.post",
			Token: e.appToken(t, "reader"), Body: `{"query":"x"}`, ExpectedStatus: 403}},
		{Scenario: webtest.Scenario{Name: "asset", Method: "GET", URL: "/remote/assets/logo", Token: wiki, ExpectedStatus: 200,
			ExpectedHeaders: protected, After: body("PNG")}},
		{Scenario: webtest.Scenario{Name: "unknown asset", Method: "GET", URL: "/remote/assets/nope", Token: wiki,
			ExpectedStatus: 404, After: detail("wrong remote asset")}},
		{Scenario: webtest.Scenario{Name: "asset without token", Method: "GET", URL: "/remote/assets/logo", ExpectedStatus: 401}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			before := e.up.count()
			e.Test(t, tt.Scenario)
			if tt.upstream != nil {
				got, want := e.up.last(t), *tt.upstream
				if !strings.HasPrefix(got.UA, want.UA) {
					t.Errorf("User-Agent %q, want prefix %q", got.UA, want.UA)
				}
				got.UA, want.UA = "", ""
				if got != want {
					t.Errorf("outgoing request\n got %+v\nwant %+v", got, want)
				}
			} else if tt.ExpectedStatus >= 400 && tt.ExpectedStatus < 500 && e.up.count() != before {
				t.Errorf("a refused call reached the upstream")
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	e.Test(t, webtest.Scenario{Method: "GET", URL: "/remote/org.test.search?q=x", Token: e.appToken(t, "wiki"), ExpectedStatus: 200,
		ExpectedHeaders: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
}

func TestUnknownDoctype404(t *testing.T) {
	e := newEnv(t)
	e.Test(t, webtest.Scenario{Method: "GET", URL: "/remote/org.test.nope", Token: e.Token(t, "org.test.nope"), ExpectedStatus: 404,
		After: detail("the doctype has no request defined")})
}

func TestStreamedOversizeCut(t *testing.T) {
	e := newEnv(t)
	req, err := http.NewRequest("GET", e.URL()+"/remote/org.test.big", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.appToken(t, "wiki"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if rerr == nil {
		t.Fatalf("a body cut at the cap must fail for the client, got %d bytes cleanly", len(b))
	}
	if len(b) > maxBytes {
		t.Fatalf("%d bytes passed, cap %d", len(b), maxBytes)
	}
}

func TestRequestRecord(t *testing.T) {
	e := newEnv(t)
	wiki := e.appToken(t, "wiki")
	e.Run(t, []webtest.Scenario{
		{Name: "call", Method: "GET", URL: "/remote/org.test.search?q=Douglas&comment=why&bearer_token=abc", Token: wiki, ExpectedStatus: 200},
		{Name: "refused", Method: "GET", URL: "/remote/org.test.html", Token: wiki, ExpectedStatus: 502},
	})
	recs := e.records(t)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %v", len(recs), recs)
	}
	var ok, refused map[string]any
	for _, rec := range recs {
		if rec["doctype"] == "org.test.search" {
			ok = rec
		} else {
			refused = rec
		}
	}
	vars, _ := ok["variables"].(map[string]any)
	if ok["app"] != "wiki" || ok["verb"] != "GET" || vars["q"] != "Douglas" || vars["comment"] != "why" ||
		ok["response_code"] != float64(200) || ok["url"] != e.up.srv.URL+"/search?q=Douglas&lang=en" {
		t.Errorf("record = %v", ok)
	}
	if _, has := vars["bearer_token"]; has {
		t.Errorf("the token was recorded: %v", vars)
	}
	if refused == nil || refused["doctype"] != "org.test.html" || refused["error"] == nil {
		t.Errorf("refused call record = %v", refused)
	}
}

func TestSecretFromAdminAPI(t *testing.T) {
	e := newEnv(t)
	const secret = "1c7f3ba03bd801391a91543d7eb8149c"
	wiki := e.appToken(t, "wiki")
	e.Run(t, []webtest.Scenario{
		// Without the secret: the upstream message about a missing variable.
		{Name: "without secret", Method: "GET", URL: "/remote/org.test.secret?id=7", Token: wiki, ExpectedStatus: 400},
		{Name: "admin PUT", Method: "PUT", URL: e.admin + "/instances/" + e.Inst.Domain + "/remote_secrets/org.test.secret/token",
			Body: `{"value":"` + secret + `"}`, ExpectedStatus: 204},
		{Name: "with secret", Method: "GET", URL: "/remote/org.test.secret?id=7&secret_token=forged", Token: wiki, ExpectedStatus: 200,
			NotExpectedContent: []string{secret}},
	})
	if got := e.up.last(t); got.Auth != "Bearer "+secret || got.URI != "/secret?id=7" {
		t.Fatalf("outgoing request %+v", got)
	}
	for _, rec := range e.records(t) {
		b, _ := json.Marshal(rec)
		if strings.Contains(string(b), secret) {
			t.Fatalf("the secret was recorded: %s", b)
		}
	}
}

func TestAllDoctypes(t *testing.T) {
	e := newEnv(t)
	e.Run(t, []webtest.Scenario{
		{Name: "with io.cozy.doctypes", Method: "GET", URL: "/remote/_all_doctypes", Token: e.Token(t, "io.cozy.doctypes:GET"), ExpectedStatus: 200,
			After: func(t *testing.T, _ *http.Response, body string) {
				var list []string
				if err := json.Unmarshal([]byte(body), &list); err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{"org.test.search", "org.test.secret", "org.wikidata.entity"} {
					if !slices.Contains(list, want) {
						t.Errorf("%s missing from %v", want, list)
					}
				}
			}},
		{Name: "without io.cozy.doctypes", Method: "GET", URL: "/remote/_all_doctypes", Token: e.Token(t, "io.cozy.files"), ExpectedStatus: 403},
		{Name: "without token", Method: "GET", URL: "/remote/_all_doctypes", ExpectedStatus: 401},
	})
}

// TestServerWiring goes through the real server: the routes are
// registered and the production client refuses the loopback upstream (no
// test hook there).
func TestServerWiring(t *testing.T) {
	up := newUpstream(t)
	e := webtest.NewEnv(t, &config.Config{Doctypes: writeDoctypes(t, up.srv.URL), RemoteAllowCustomPort: true}, instance.Options{})
	tok := e.Token(t, "org.test.search io.cozy.doctypes")
	e.Run(t, []webtest.Scenario{
		{Name: "all doctypes", Method: "GET", URL: "/remote/_all_doctypes", Token: tok, ExpectedStatus: 200, ExpectedContent: []string{"org.test.search"}},
		{Name: "loopback upstream", Method: "GET", URL: "/remote/org.test.search?q=x", Token: tok, ExpectedStatus: 502,
			After: detail("the remote destination is not allowed")},
		{Name: "no token", Method: "GET", URL: "/remote/org.test.search?q=x", ExpectedStatus: 401},
	})
	if up.count() != 0 {
		t.Fatal("the SSRF guard let a request reach 127.0.0.1")
	}
}
