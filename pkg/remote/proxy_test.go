package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen is an outgoing request as the local upstream received it.
type seen struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       string
}

// recorder is a local upstream server remembering the last request.
type recorder struct {
	mu   sync.Mutex
	last *seen
	n    int
}

func (rc *recorder) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.last = &seen{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: string(b)}
	rc.n++
}

func (rc *recorder) get() (*seen, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.last, rc.n
}

// upstream starts a local server answering each path with a content-type
// and status; unknown paths answer JSON.
func upstream(t *testing.T) (*httptest.Server, *recorder) {
	t.Helper()
	rc := &recorder{}
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		rc.record(r)
		switch {
		case strings.HasPrefix(r.URL.Path, "/html"):
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<script>alert(1)</script>")
		case strings.HasPrefix(r.URL.Path, "/img"):
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case strings.HasPrefix(r.URL.Path, "/missing"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"not found"}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	})
	return srv, rc
}

func headerNames(h http.Header) string {
	var names []string
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// TestUpstreamDefinitionsAgainstLocalServer renders a representative set of
// the shipped definitions with real variables, checks the URL aimed at the
// real website, then sends the same request to a local server (same path,
// query, headers and body; only scheme and host changed) and checks exactly
// what arrives.
func TestUpstreamDefinitionsAgainstLocalServer(t *testing.T) {
	srv, rc := upstream(t)
	reg, err := NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	client := NewClient(ClientConfig{InsecureAllowAddr: allowOnly(t, srv)})
	const ua = "cozy-stack test"
	tests := []struct {
		doctype string
		params  map[string]string
		secrets map[string]string
		url     string // rendered URL, real host
		headers map[string]string
		body    string
	}{
		{
			doctype: "org.wikidata.search",
			params:  map[string]string{"q": "Douglas Adams", "comment": "not sent"},
			url:     "https://www.wikidata.org/w/api.php?action=wbsearchentities&search=Douglas+Adams&language=en&format=json",
		},
		{
			doctype: "org.wikidata.entity",
			params:  map[string]string{"entity": "Q42/../../admin"},
			url:     "https://www.wikidata.org/wiki/Special:EntityData/Q42%2F..%2F..%2Fadmin.json",
		},
		{
			doctype: "org.wikidata.sparql",
			params:  map[string]string{"q": "SELECT ?x WHERE { ?x wdt:P31 wd:Q5 } LIMIT 1"},
			url:     "https://query.wikidata.org/sparql?format=json&query=SELECT+%3Fx+WHERE+%7B+%3Fx+wdt%3AP31+wd%3AQ5+%7D+LIMIT+1",
		},
		{
			doctype: "cc.cozycloud.announcements",
			params:  map[string]string{"lang": "fr", "channels": "a b,c&x=1"},
			url:     "https://announcements.cozycloud.cc/api/public-announcements?lang=fr&channels=a+b%2Cc%26x%3D1",
		},
		{
			doctype: "cc.cozycloud.announcements.uploads",
			params:  map[string]string{"url": "images/été 1.png"},
			url:     "https://announcements.cozycloud.cc/uploads/images%2F%C3%A9t%C3%A9%201.png",
		},
		{
			doctype: "org.ecolyo.agent.prices",
			params:  map[string]string{"fluidtype": "1"},
			url:     "https://ecolyo-agent.apps.grandlyon.com/api/common/prices/1",
		},
		{
			doctype: "com.inokufu.api",
			params: map[string]string{"lang": "fr", "model": "m", "sort": "relevance", "max": "10", "match": "any",
				"page": "1", "provider": "p", "keywords": "go lang", "publisher": "O'Reilly"},
			secrets: map[string]string{"token": "tok-123"},
			url:     "https://api.inokufu.com/learningobject/v2/search-provider?lang=fr&model=m&sort=relevance&max=10&match=any&page=1&provider=p&keywords=go+lang&publisher=O%27Reilly",
			headers: map[string]string{"X-Api-Key": "tok-123", "Content-Type": "application/json"},
		},
		{
			doctype: "cc.cozycloud.dacc_v2",
			params:  map[string]string{"path": "measure", "data": `{"measureName":"x","value":1}`},
			secrets: map[string]string{"token": "1c7f3ba03bd801391a91543d7eb8149c"},
			url:     "https://dacc.cozycloud.cc/measure",
			headers: map[string]string{
				"Authorization": "Bearer 1c7f3ba03bd801391a91543d7eb8149c", "Content-Type": "application/json",
				"Content-Length": "29",
			},
			body: `{"measureName":"x","value":1}`,
		},
		{
			doctype: "cc.cozycloud.errors",
			params:  map[string]string{"project": "3", "sentry_version": "7", "sentry_client": "raven-js/3.27", "sentry_key": "abc", "data": `{"message":"boom"}`},
			url:     "https://errors.cozycloud.cc/api/3/store/",
			headers: map[string]string{
				"X-Sentry-Auth":  "Sentry sentry_version=7, sentry_client=raven-js/3.27, sentry_key=abc",
				"Content-Length": "18",
			},
			body: `{"message":"boom"}`,
		},
		{
			doctype: "com.googleapis.maps",
			params:  map[string]string{"key": "k 1"},
			url:     "https://maps.googleapis.com/maps/api/js?key=k+1&callback=initMap",
			headers: map[string]string{"Content-Length": "0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.doctype, func(t *testing.T) {
			def, err := reg.Definition(tt.doctype)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Render(def, tt.params, tt.secrets)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.URL.String(); got != tt.url {
				t.Fatalf("URL = %s\nwant  %s", got, tt.url)
			}
			// Same request, aimed at the local server.
			r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(srv.URL, "http://")
			req, err := r.NewRequest(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("User-Agent", ua)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got, _ := rc.get()
			wantURI := tt.url[strings.Index(tt.url[len("https://"):], "/")+len("https://"):]
			if got.Method != def.Verb || got.RequestURI != wantURI {
				t.Errorf("received %s %s, want %s %s", got.Method, got.RequestURI, def.Verb, wantURI)
			}
			want := map[string]string{"User-Agent": ua}
			for k, v := range tt.headers {
				want[k] = v
			}
			if len(got.Header) != len(want) {
				t.Errorf("received headers %s, want %d", headerNames(got.Header), len(want))
			}
			for k, v := range want {
				if g := got.Header.Values(k); len(g) != 1 || g[0] != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if got.Body != tt.body {
				t.Errorf("body = %q, want %q", got.Body, tt.body)
			}
		})
	}
}

// memLog is a Logger keeping records in memory.
type memLog struct {
	mu   sync.Mutex
	recs []RequestLog
	fail error
}

func (m *memLog) Log(_ context.Context, rec RequestLog) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.recs = append(m.recs, rec)
	return nil
}

func (m *memLog) last(t *testing.T) RequestLog {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.recs) == 0 {
		t.Fatal("no request logged")
	}
	return m.recs[len(m.recs)-1]
}

// proxyFixture writes definitions pointing at a local server into a
// temporary --doctypes directory and builds a Proxy on it.
type proxyFixture struct {
	proxy *Proxy
	srv   *httptest.Server
	rec   *recorder
	log   *memLog
	now   time.Time
}

func newProxyFixture(t *testing.T) *proxyFixture {
	t.Helper()
	srv, rc := upstream(t)
	res, _ := testDNS(t, map[string]string{"rebind.test": "127.0.0.1"})
	dir := t.TempDir()
	defs := map[string]string{
		"org.test.search":  "GET " + srv.URL + "/search?q={{q}}&key={{secret_key}}\nAccept: application/json\n",
		"org.test.post":    "POST " + srv.URL + "/api/{{path}}\nContent-Type: application/json\nUser-Agent: custom-agent/2\n\n" + `{"k": "{{json value}}", "u": "https://b.example/{{path p}}?q={{query q}}", "h": "<p>{{html h}}</p>", "raw": {{raw}}}` + "\n",
		"org.test.html":    "GET " + srv.URL + "/html\n",
		"org.test.img":     "GET " + srv.URL + "/img/{{id}}.png\n",
		"org.test.missing": "GET " + srv.URL + "/missing\n",
		"org.test.private": "GET http://10.0.0.1/admin?token={{secret_token}}\n",
		"org.test.rebind":  "GET http://rebind.test:" + serverPort(srv) + "/\n",
		"org.test.port":    "GET https://api.example.org:8443/x\n",
	}
	for name, body := range defs {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "request"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := NewRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &proxyFixture{srv: srv, rec: rc, log: &memLog{}, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.proxy, err = New(Config{
		Registry: reg,
		Client:   NewClient(ClientConfig{Resolver: res, InsecureAllowAddr: allowOnly(t, srv)}),
		Secrets: StaticSecrets{
			"org.test.search":  {"key": "SECRET-KEY"},
			"org.test.private": {"token": "SECRET-TOKEN"},
		},
		Logger:  f.log,
		Version: "1.2.3",
		Now:     func() time.Time { return f.now },
		Assets:  map[string]string{"bank": srv.URL + "/assets/bank.json"},
		Slog:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestProxyGetLogsAndRedactsSecrets(t *testing.T) {
	f := newProxyFixture(t)
	resp, err := f.proxy.Do(context.Background(), Call{
		Doctype: "org.test.search", Method: "GET", AppSlug: "drive",
		Params: map[string]string{"q": "Qbhtynf Nqnzf", "comment": "query is rot13 for Douglas Adams"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Status != 200 || resp.ContentType != "application/json" || string(body) != `{"ok":true}` {
		t.Errorf("response %d %q %q", resp.Status, resp.ContentType, body)
	}
	got, _ := f.rec.get()
	if got.RequestURI != "/search?q=Qbhtynf+Nqnzf&key=SECRET-KEY" {
		t.Errorf("sent %s", got.RequestURI)
	}
	wantUA := "cozy-stack 1.2.3 (" + runtime.Version() + ")"
	if got.Header.Get("User-Agent") != wantUA || got.Header.Get("Accept") != "application/json" {
		t.Errorf("headers %v", got.Header)
	}
	rec := f.log.last(t)
	want := RequestLog{
		Doctype: "org.test.search", Verb: "GET", URL: f.srv.URL + "/search?q=Qbhtynf+Nqnzf&key=REDACTED",
		ResponseCode: 200, ContentType: "application/json", App: "drive", CreatedAt: f.now,
	}
	if rec.Doctype != want.Doctype || rec.Verb != want.Verb || rec.URL != want.URL || rec.ResponseCode != 200 ||
		rec.ContentType != want.ContentType || rec.App != "drive" || !rec.CreatedAt.Equal(f.now) || rec.Error != "" {
		t.Errorf("record = %+v\nwant     %+v", rec, want)
	}
	if rec.Variables["comment"] != "query is rot13 for Douglas Adams" || rec.Variables["q"] != "Qbhtynf Nqnzf" || len(rec.Variables) != 2 {
		t.Errorf("variables = %v", rec.Variables)
	}
	if s := fmt.Sprintf("%+v", f.log.recs); strings.Contains(s, "SECRET-KEY") {
		t.Errorf("secret logged: %s", s)
	}
}

func TestProxyPostWithHelpers(t *testing.T) {
	f := newProxyFixture(t)
	resp, err := f.proxy.Do(context.Background(), Call{
		Doctype: "org.test.post", Method: "POST", AppSlug: "notes",
		Params: map[string]string{
			"path": "a b/c", "value": "say \"hi\"\n", "p": "x/y", "q": "1&2=3", "h": "<b>&", "raw": `[1,2]`,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, _ := f.rec.get()
	wantBody := `{"k": "say \"hi\"\n", "u": "https://b.example/x%2Fy?q=1%262%3D3", "h": "<p>&lt;b&gt;&amp;</p>", "raw": [1,2]}`
	if got.Method != "POST" || got.RequestURI != "/api/a%20b%2Fc" || got.Body != wantBody {
		t.Errorf("sent %s %s\n%s\nwant\n%s", got.Method, got.RequestURI, got.Body, wantBody)
	}
	if got.Header.Get("User-Agent") != "custom-agent/2" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", got.Header)
	}
	if headerNames(got.Header) != "Content-Length,Content-Type,User-Agent" {
		t.Errorf("header set %s", headerNames(got.Header))
	}
}

func TestProxyRefusals(t *testing.T) {
	tests := []struct {
		name    string
		call    Call
		want    error
		status  int
		sent    bool // the local upstream received the request
		logCode int
		logURL  string
		noLeak  string
	}{
		{
			name: "missing variable", call: Call{Doctype: "org.test.img", Method: "GET", Params: map[string]string{"other": "x"}},
			want: ErrMissingVariable, status: 400, logURL: "{srv}/img/{{id}}.png",
		},
		{
			name: "verb mismatch", call: Call{Doctype: "org.test.img", Method: "POST", Params: map[string]string{"id": "1"}},
			want: ErrMethodMismatch, status: 405, logURL: "{srv}/img/{{id}}.png",
		},
		{
			name: "unknown doctype", call: Call{Doctype: "org.test.nope", Method: "GET"},
			want: ErrDoctypeNotFound, status: 404,
		},
		{
			name: "html refused", call: Call{Doctype: "org.test.html", Method: "GET"},
			want: ErrInvalidContentType, status: 502, sent: true, logCode: 200, logURL: "{srv}/html",
		},
		{
			name: "private address refused", call: Call{Doctype: "org.test.private", Method: "GET"},
			want: ErrBlockedDestination, status: 502, logURL: "http://10.0.0.1/admin?token=REDACTED", noLeak: "SECRET-TOKEN",
		},
		{
			name: "name resolving to loopback refused", call: Call{Doctype: "org.test.rebind", Method: "GET"},
			want: ErrBlockedDestination, status: 502, logURL: "http://rebind.test:{port}/",
		},
		{
			name: "custom port refused", call: Call{Doctype: "org.test.port", Method: "GET"},
			want: ErrBlockedDestination, status: 502, logURL: "https://api.example.org:8443/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newProxyFixture(t)
			resp, err := f.proxy.Do(context.Background(), tt.call)
			if err == nil {
				resp.Body.Close()
				t.Fatal("call succeeded")
			}
			if !errors.Is(err, tt.want) || HTTPStatus(err) != tt.status || PublicMessage(err) != tt.want.Error() {
				t.Errorf("error = %v (status %d, message %q), want %v / %d", err, HTTPStatus(err), PublicMessage(err), tt.want, tt.status)
			}
			if _, n := f.rec.get(); (n > 0) != tt.sent {
				t.Errorf("upstream received %d requests, want sent=%v", n, tt.sent)
			}
			rec := f.log.last(t)
			wantURL := strings.NewReplacer("{srv}", f.srv.URL, "{port}", serverPort(f.srv)).Replace(tt.logURL)
			if rec.Error == "" || rec.ResponseCode != tt.logCode || rec.URL != wantURL || rec.Doctype != tt.call.Doctype {
				t.Errorf("record = %+v, want error, code %d, url %q", rec, tt.logCode, wantURL)
			}
			if tt.noLeak != "" && (strings.Contains(rec.Error, tt.noLeak) || strings.Contains(err.Error(), tt.noLeak)) {
				t.Errorf("secret leaked: %q / %q", rec.Error, err)
			}
		})
	}
}

func TestProxyPassesStatusAndImages(t *testing.T) {
	f := newProxyFixture(t)
	resp, err := f.proxy.Do(context.Background(), Call{Doctype: "org.test.img", Method: "GET", Params: map[string]string{"id": "42"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Status != 200 || resp.ContentType != "image/png" || string(b) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("image response %d %q %q", resp.Status, resp.ContentType, b)
	}
	resp, err = f.proxy.Do(context.Background(), Call{Doctype: "org.test.missing", Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Status != 404 || f.log.last(t).ResponseCode != 404 {
		t.Errorf("status %d, logged %d; want 404", resp.Status, f.log.last(t).ResponseCode)
	}
}

func TestProxyLogFailureWithholdsResponse(t *testing.T) {
	f := newProxyFixture(t)
	f.log.fail = errors.New("disk full")
	_, err := f.proxy.Do(context.Background(), Call{Doctype: "org.test.img", Method: "GET", Params: map[string]string{"id": "1"}})
	if !errors.Is(err, ErrLogFailed) || HTTPStatus(err) != 500 {
		t.Fatalf("error = %v, want ErrLogFailed", err)
	}
	_, err = f.proxy.Do(context.Background(), Call{Doctype: "org.test.img", Method: "GET"})
	if !errors.Is(err, ErrLogFailed) || !errors.Is(err, ErrMissingVariable) {
		t.Fatalf("error = %v, want ErrLogFailed and ErrMissingVariable", err)
	}
}

func TestProxyAssetsAndDoctypes(t *testing.T) {
	f := newProxyFixture(t)
	resp, err := f.proxy.Asset(context.Background(), "bank")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, _ := f.rec.get(); resp.Status != 200 || got.RequestURI != "/assets/bank.json" {
		t.Errorf("asset %d %s", resp.Status, got.RequestURI)
	}
	if _, err := f.proxy.Asset(context.Background(), "nope"); !errors.Is(err, ErrAssetNotFound) || HTTPStatus(err) != 404 {
		t.Errorf("unknown asset error = %v", err)
	}
	names, err := f.proxy.Doctypes()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != upstreamCount+8 || !sort.StringsAreSorted(names) {
		t.Errorf("Doctypes = %d", len(names))
	}
}

func TestNewProxyConfig(t *testing.T) {
	reg, err := NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"minimal", Config{Registry: reg, Logger: &memLog{}}, true},
		{"no registry", Config{Logger: &memLog{}}, false},
		{"no logger", Config{Registry: reg}, false},
		{"relative asset", Config{Registry: reg, Logger: &memLog{}, Assets: map[string]string{"a": "/x"}}, false},
		{"file asset", Config{Registry: reg, Logger: &memLog{}, Assets: map[string]string{"a": "file:///etc/passwd"}}, false},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); (err == nil) != tt.ok {
			t.Errorf("%s: New error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
