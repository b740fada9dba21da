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
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/middleware"
	remoteweb "github.com/cozypi/cozy/web/remote"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const (
	domain   = "alice.localhost"
	maxBytes = 4096
)

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

// env is a /remote server for one instance, its upstream and admin API.
type env struct {
	srv, admin *httptest.Server
	up         *upstream
	mgr        *instance.Manager
	inst       *instance.Instance
}

func newEnv(t *testing.T) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mgr, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
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
	ar := gin.New()
	(&admin.Handler{Instances: mgr, Resolver: auth.Resolver, Log: log}).Register(ar)
	adm := httptest.NewServer(ar)
	t.Cleanup(adm.Close)
	return &env{srv: srv, admin: adm, up: up, mgr: mgr, inst: inst}
}

func (e *env) appToken(t *testing.T, slug string) string {
	t.Helper()
	tok, err := e.inst.Issue(token.App, slug, "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type result struct {
	status int
	header http.Header
	body   string
	err    error // reading the body
}

func (e *env) do(t *testing.T, method, path, tok, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = domain
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(res.Body)
	return result{res.StatusCode, res.Header, string(b), rerr}
}

// records returns the io.cozy.remote.requests documents of the instance.
func (e *env) records(t *testing.T) []map[string]any {
	t.Helper()
	st, err := e.mgr.Store(e.inst)
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

func detail(body string) string {
	var doc struct {
		Errors []struct{ Detail string } `json:"errors"`
	}
	json.Unmarshal([]byte(body), &doc)
	if len(doc.Errors) == 0 {
		return ""
	}
	return doc.Errors[0].Detail
}

func TestCalls(t *testing.T) {
	e := newEnv(t)
	wiki := e.appToken(t, "wiki")
	tests := []struct {
		name, method, path, tok, body string
		wantStatus                    int
		wantBody, wantDetail          string
		wantUpstream                  *seen // the exact outgoing request, when one is expected
	}{
		{
			name: "GET with query params, extra param not sent", method: "GET",
			path: "/remote/org.test.search?q=Douglas+Adams&comment=hello", tok: wiki,
			wantStatus: 200, wantBody: `{"ok":true}`,
			wantUpstream: &seen{Method: "GET", URI: "/search?q=Douglas+Adams&lang=en", UA: "cozy-stack 1.2.3"},
		},
		{
			name: "POST JSON body", method: "POST", path: "/remote/org.test.post", tok: wiki,
			body:       `{"query": "Qbhtynf \"Nqnzf\"", "comment": "rot13"}`,
			wantStatus: 200, wantBody: `{"ok":true}`,
			wantUpstream: &seen{Method: "POST", URI: "/post", ContentType: "application/json",
				Body: `{"query": "Qbhtynf \"Nqnzf\""}`},
		},
		{name: "missing variable", method: "GET", path: "/remote/org.test.search?comment=x", tok: wiki,
			wantStatus: 400, wantDetail: "a variable is used in the template, but no value was given"},
		{name: "POST body not JSON strings", method: "POST", path: "/remote/org.test.post", tok: wiki, body: `{"query": 1}`,
			wantStatus: 400, wantDetail: "the variables are not valid"},
		{name: "verb mismatch", method: "POST", path: "/remote/org.test.search", tok: wiki, body: `{"q": "x"}`,
			wantStatus: 405, wantDetail: "the verb does not match the request definition"},
		{name: "HTML refused", method: "GET", path: "/remote/org.test.html", tok: wiki,
			wantStatus: 502, wantDetail: "the content-type for the response is not authorized"},
		{name: "announced oversize refused", method: "GET", path: "/remote/org.test.biglen", tok: wiki,
			wantStatus: 502, wantDetail: "the response from the remote host is too large"},
		{name: "unknown doctype", method: "GET", path: "/remote/org.test.nope", tok: e.appToken(t, "wiki"),
			wantStatus: 403}, // the app's permission does not cover it: refused before the lookup
		{name: "no token", method: "GET", path: "/remote/org.test.search?q=x", wantStatus: 401},
		{name: "token without the doctype", method: "GET", path: "/remote/org.test.search?q=x",
			tok: e.appToken(t, "other"), wantStatus: 403},
		{name: "GET-only permission refuses POST", method: "POST", path: "/remote/org.test.post",
			tok: e.appToken(t, "reader"), body: `{"query":"x"}`, wantStatus: 403},
		{name: "asset", method: "GET", path: "/remote/assets/logo", tok: wiki, wantStatus: 200, wantBody: "PNG"},
		{name: "unknown asset", method: "GET", path: "/remote/assets/nope", tok: wiki,
			wantStatus: 404, wantDetail: "wrong remote asset"},
		{name: "asset without token", method: "GET", path: "/remote/assets/logo", wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.up.count()
			r := e.do(t, tt.method, tt.path, tt.tok, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantBody != "" && r.body != tt.wantBody {
				t.Errorf("body %q, want %q", r.body, tt.wantBody)
			}
			if tt.wantDetail != "" && detail(r.body) != tt.wantDetail {
				t.Errorf("detail %q, want %q (body %s)", detail(r.body), tt.wantDetail, r.body)
			}
			if r.status == 200 {
				if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Content-Security-Policy") != "sandbox" {
					t.Errorf("missing protective headers: %v", r.header)
				}
			}
			if tt.wantUpstream != nil {
				got := e.up.last(t)
				want := *tt.wantUpstream
				if !strings.HasPrefix(got.UA, want.UA) {
					t.Errorf("User-Agent %q, want prefix %q", got.UA, want.UA)
				}
				got.UA, want.UA = "", ""
				if got != want {
					t.Errorf("outgoing request\n got %+v\nwant %+v", got, want)
				}
			} else if r.status >= 400 && r.status < 500 && e.up.count() != before {
				t.Errorf("a refused call reached the upstream")
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, "GET", "/remote/org.test.search?q=x", e.appToken(t, "wiki"), "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, content-type %q", r.status, r.header.Get("Content-Type"))
	}
}

func TestUnknownDoctype404(t *testing.T) {
	e := newEnv(t)
	cli, err := e.inst.Issue(token.CLI, "", "org.test.nope")
	if err != nil {
		t.Fatal(err)
	}
	r := e.do(t, "GET", "/remote/org.test.nope", cli, "")
	if r.status != 404 || detail(r.body) != "the doctype has no request defined" {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}

func TestStreamedOversizeCut(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, "GET", "/remote/org.test.big", e.appToken(t, "wiki"), "")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if r.err == nil {
		t.Fatalf("a body cut at the cap must fail for the client, got %d bytes cleanly", len(r.body))
	}
	if len(r.body) > maxBytes {
		t.Fatalf("%d bytes passed, cap %d", len(r.body), maxBytes)
	}
}

func TestRequestRecord(t *testing.T) {
	e := newEnv(t)
	wiki := e.appToken(t, "wiki")
	if r := e.do(t, "GET", "/remote/org.test.search?q=Douglas&comment=why&bearer_token=abc", wiki, ""); r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r := e.do(t, "GET", "/remote/org.test.html", wiki, ""); r.status != 502 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
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
	// Without the secret: the upstream message about a missing variable.
	if r := e.do(t, "GET", "/remote/org.test.secret?id=7", wiki, ""); r.status != 400 {
		t.Fatalf("without secret: status %d: %s", r.status, r.body)
	}
	req, _ := http.NewRequest("PUT", e.admin.URL+"/instances/"+domain+"/remote_secrets/org.test.secret/token",
		strings.NewReader(`{"value":"`+secret+`"}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 {
		t.Fatalf("admin PUT: %d", res.StatusCode)
	}
	r := e.do(t, "GET", "/remote/org.test.secret?id=7&secret_token=forged", wiki, "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if got := e.up.last(t); got.Auth != "Bearer "+secret || got.URI != "/secret?id=7" {
		t.Fatalf("outgoing request %+v", got)
	}
	if strings.Contains(r.body, secret) {
		t.Fatal("the secret was returned")
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
	withPerm, _ := e.inst.Issue(token.CLI, "", "io.cozy.doctypes:GET")
	without, _ := e.inst.Issue(token.CLI, "", "io.cozy.files")
	r := e.do(t, "GET", "/remote/_all_doctypes", withPerm, "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var list []string
	if err := json.Unmarshal([]byte(r.body), &list); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"org.test.search", "org.test.secret", "org.wikidata.entity"} {
		found := false
		for _, d := range list {
			found = found || d == want
		}
		if !found {
			t.Errorf("%s missing from %v", want, list)
		}
	}
	if r := e.do(t, "GET", "/remote/_all_doctypes", without, ""); r.status != 403 {
		t.Errorf("without io.cozy.doctypes: status %d", r.status)
	}
	if r := e.do(t, "GET", "/remote/_all_doctypes", "", ""); r.status != 401 {
		t.Errorf("without token: status %d", r.status)
	}
}

// TestServerWiring goes through web.New: the routes are registered and the
// production client refuses the loopback upstream (no test hook there).
func TestServerWiring(t *testing.T) {
	up := newUpstream(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dataDir := t.TempDir()
	mgr, err := instance.Open(dataDir, passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{FsURL: dataDir, Subdomains: config.SubdomainsFlat, Doctypes: writeDoctypes(t, up.srv.URL), RemoteAllowCustomPort: true}
	s, err := web.New(cfg, mgr, log, &admin.Guard{Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e := &env{srv: srv, up: up, mgr: mgr, inst: inst}
	tok, _ := inst.Issue(token.CLI, "", "org.test.search io.cozy.doctypes")
	if r := e.do(t, "GET", "/remote/_all_doctypes", tok, ""); r.status != 200 || !strings.Contains(r.body, "org.test.search") {
		t.Fatalf("_all_doctypes: %d %s", r.status, r.body)
	}
	r := e.do(t, "GET", "/remote/org.test.search?q=x", tok, "")
	if r.status != 502 || detail(r.body) != "the remote destination is not allowed" {
		t.Fatalf("loopback upstream: status %d: %s", r.status, r.body)
	}
	if up.count() != 0 {
		t.Fatal("the SSRF guard let a request reach 127.0.0.1")
	}
	if r := e.do(t, "GET", "/remote/org.test.search?q=x", "", ""); r.status != 401 {
		t.Fatalf("no token: %d", r.status)
	}
}
