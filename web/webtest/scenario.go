package webtest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web"
)

// Env is the real server listening on loopback with one instance, whose
// domain is the listener's localhost:PORT (it resolves for node and
// Chromium too).
type Env struct {
	Server    *web.Server
	Instances *instance.Manager
	HTTP      *httptest.Server
	Inst      *instance.Instance
	// Client has a cookie jar; Owner is logged in once Login is called.
	Client *http.Client
}

// NewEnv starts the server with cfg (nil for the test defaults) and
// creates its instance with opts (its Domain is set here).
func NewEnv(tb testing.TB, cfg *config.Config, opts instance.Options) *Env {
	tb.Helper()
	s, mgr := Server(tb, cfg)
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	opts.Domain = strings.Replace(strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1", "localhost", 1)
	inst, err := mgr.Create(context.Background(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &Env{Server: s, Instances: mgr, HTTP: srv, Inst: inst, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// URL is the instance's base URL, without a trailing slash.
func (e *Env) URL() string { return "http://" + e.Inst.Domain }

// Token issues a CLI token of the instance for scope.
func (e *Env) Token(tb testing.TB, scope string) string {
	tb.Helper()
	return e.Issue(tb, token.CLI, "", scope)
}

// Issue signs a token of the instance.
func (e *Env) Issue(tb testing.TB, aud token.Audience, subject, scope string) string {
	tb.Helper()
	tok, err := e.Inst.Issue(aud, subject, scope)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Scenario is one request and what its answer must be, as pocketbase's
// ApiScenario: a route group's tests are a table of them.
type Scenario struct {
	Name   string
	Method string
	// URL is a path on the instance ("/data/io.cozy.test/") or an absolute
	// URL (an app's sub-domain).
	URL  string
	Body string
	// Token is sent as a Bearer token when not empty.
	Token   string
	Headers map[string]string
	// Client sends the request (nil: a client without cookies).
	Client *http.Client

	ExpectedStatus int
	// ExpectedContent are substrings the body must hold, NotExpectedContent
	// substrings it must not.
	ExpectedContent    []string
	NotExpectedContent []string
	// ExpectedHeaders must be present with these values.
	ExpectedHeaders map[string]string
	// ExpectedEvents counts the realtime events the request must publish,
	// by "VERB doctype" ("CREATED io.cozy.files"); a count of 0 means
	// none of that kind.
	ExpectedEvents map[string]int
	// After checks more (the stored state, say) once the answer is read.
	After func(t *testing.T, res *http.Response, body string)
}

// Run runs each scenario as a subtest.
func (e *Env) Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) { e.Test(t, s) })
	}
}

// Test runs one scenario.
func (e *Env) Test(t *testing.T, s Scenario) {
	t.Helper()
	var sub *realtime.Subscriber
	if s.ExpectedEvents != nil {
		sub = e.Server.Realtime.Subscribe(e.Inst.ID, 4096)
		defer sub.Close()
		for key := range s.ExpectedEvents {
			if _, doctype, ok := strings.Cut(key, " "); ok {
				sub.Watch(doctype, "")
			}
		}
	}
	res, body := e.Do(t, s.Client, s.Method, s.URL, s.Token, s.Body, s.Headers)
	if res.StatusCode != s.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", s.Method, s.URL, res.StatusCode, s.ExpectedStatus, body)
	}
	for _, c := range s.ExpectedContent {
		if !strings.Contains(body, c) {
			t.Errorf("body lacks %q: %s", c, body)
		}
	}
	for _, c := range s.NotExpectedContent {
		if strings.Contains(body, c) {
			t.Errorf("body holds %q: %s", c, body)
		}
	}
	for k, v := range s.ExpectedHeaders {
		if got := res.Header.Get(k); got != v {
			t.Errorf("header %s: %q, want %q", k, got, v)
		}
	}
	if sub != nil {
		checkEvents(t, sub, s.ExpectedEvents)
	}
	if s.After != nil {
		s.After(t, res, body)
	}
}

// checkEvents waits (a few seconds at most) for the expected events, then
// compares the counts.
func checkEvents(t *testing.T, sub *realtime.Subscriber, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	total := 0
	for _, n := range want {
		total += n
	}
	wait := 5 * time.Second
	if total == 0 {
		wait = 200 * time.Millisecond // nothing should come: a short grace period
	}
	deadline := time.After(wait)
	seen := 0
	for seen < total || total == 0 {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				t.Fatal("the event subscriber was dropped")
			}
			got[ev.Verb+" "+ev.Doctype]++
			seen++
			continue
		case <-deadline:
		}
		break
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("events %s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// Do sends one request to the instance (path) or to an absolute URL, and
// returns the answer with its body read.
func (e *Env) Do(tb testing.TB, c *http.Client, method, target, tok, body string, hdr map[string]string) (*http.Response, string) {
	tb.Helper()
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	u := target
	if !strings.Contains(target, "://") {
		u = e.URL() + target
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, string(b)
}

// WaitFor polls cond every 10 ms until it holds, failing the test after
// timeout.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Form encodes form values for a request body.
func Form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}
