package services

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a loopback server that remembers what it was sent.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path | authorization | content-type | body"
}

func newRecorder(t *testing.T, handler http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, strings.Join([]string{r.Method + " " + r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(body)}, " | "))
		rec.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

func TestFetch(t *testing.T) {
	forbidden := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {})
	remote := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "remote") })
	cozy := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			_, _ = io.WriteString(w, `{"hello":"wörld"}`)
		case "/missing":
			http.Error(w, "nope", http.StatusNotFound)
		case "/to-forbidden":
			http.Redirect(w, r, forbidden.URL+"/x", http.StatusFound)
		case "/to-json":
			http.Redirect(w, r, "/json", http.StatusFound)
		case "/big":
			_, _ = w.Write(make([]byte, 17<<20))
		default:
			_, _ = io.WriteString(w, "ok")
		}
	})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name   string
		script string
		want   string // the single log line
		cozy   string // substring of the last request cozy saw, if any
	}{
		{name: "json, status and headers",
			script: `const r = await fetch(COZY + "/json"); const j = await r.json();
			         log(r.status, r.ok, r.statusText, r.headers.get("content-type"), r.headers.get("x-multi"), r.url.endsWith("/json"), j.hello)`,
			want: "200 true OK application/json a, b true wörld", cozy: "GET /json | Bearer tok |"},
		{name: "404 is not a rejection",
			script: `const r = await fetch(COZY + "/missing"); log(r.status, r.ok, (await r.text()).trim())`,
			want:   "404 false nope"},
		{name: "relative URL against COZY_URL",
			script: `const r = await fetch("/rel?q=1"); log(await r.text())`,
			want:   "ok", cozy: "GET /rel?q=1 | Bearer tok"},
		{name: "own Authorization is kept",
			script: `const r = await fetch(COZY + "/a", {headers: {Authorization: "Bearer other"}}); log(r.status)`,
			want:   "200", cozy: "GET /a | Bearer other"},
		{name: "POST string body",
			script: `const r = await fetch(COZY + "/p", {method: "post", body: "hi"}); log(r.status)`,
			want:   "200", cozy: "POST /p | Bearer tok | text/plain;charset=UTF-8 | hi"},
		{name: "PUT JSON with Headers",
			script: `const h = new Headers([["Content-Type", "application/json"]]);
			         const r = await fetch(COZY + "/d", {method: "PUT", headers: h, body: JSON.stringify({a: 1})}); log(r.status)`,
			want: "200", cozy: `PUT /d | Bearer tok | application/json | {"a":1}`},
		{name: "Uint8Array body",
			script: `const r = await fetch(COZY + "/b", {method: "POST", body: new TextEncoder().encode("bytes")}); log(r.status)`,
			want:   "200", cozy: "POST /b | Bearer tok |  | bytes"},
		{name: "URLSearchParams body",
			script: `const r = await fetch(COZY + "/f", {method: "POST", body: new URLSearchParams({a: "1", b: "x y"})}); log(r.status)`,
			want:   "200", cozy: "POST /f | Bearer tok | application/x-www-form-urlencoded;charset=UTF-8 | a=1&b=x+y"},
		{name: "allowed redirect",
			script: `const r = await fetch(COZY + "/to-json"); log(r.redirected, (await r.json()).hello)`,
			want:   "true wörld"},
		{name: "redirect to a forbidden origin",
			script: `try { await fetch(COZY + "/to-forbidden"); log("fetched") } catch (e) { log(e.name, e.message) }`,
			want:   "TypeError fetch failed: redirect refused: origin " + originMust(forbidden.URL) + " is not allowed for this service"},
		{name: "forbidden origin",
			script: `try { await fetch(FORBIDDEN + "/x"); log("fetched") } catch (e) { log(e instanceof TypeError, e.message) }`,
			want:   "true fetch: origin " + originMust(forbidden.URL) + " is not allowed for this service"},
		{name: "remote origin gets no token",
			script: `const r = await fetch(REMOTE + "/r"); log(await r.text())`,
			want:   "remote"},
		{name: "GET with a body",
			script: `try { await fetch(COZY, {body: "x"}) } catch (e) { log(e.message) }`,
			want:   "fetch: a GET request cannot have a body"},
		{name: "bad header name",
			script: `try { await fetch(COZY, {headers: {"bad name": "x"}}) } catch (e) { log(e.message) }`,
			want:   `Invalid header name: "bad name"`},
		{name: "connection refused",
			script: `try { await fetch(CLOSED + "/x") } catch (e) { log(e.name, e.message.startsWith("fetch failed:")) }`,
			want:   "TypeError true"},
		{name: "body too large",
			script: `try { await fetch(COZY + "/big") } catch (e) { log(e.message) }`,
			want:   "fetch failed: response body larger than 16777216 bytes"},
		{name: "body used twice",
			script: `const r = await fetch(COZY + "/json"); await r.text(); try { await r.text() } catch (e) { log(e.message) }`,
			want:   "Response body has already been used"},
		{name: "clone",
			script: `const r = await fetch(COZY + "/json"); const c = r.clone(); log((await r.json()).hello, (await c.text()).length)`,
			want:   `wörld 17`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := `const COZY = ` + jsString(cozy.URL) + `, REMOTE = ` + jsString(remote.URL) +
				`, FORBIDDEN = ` + jsString(forbidden.URL) + `, CLOSED = ` + jsString(closedURL) + `;
const log = (...a) => console.log(...a);
(async () => {` + tt.script + `})();`
			logs, end := runInProcess(t, script, func(s *wireSpec) {
				s.Env = Env{URL: cozy.URL, Credentials: "tok"}.Map()
				s.Origins = []string{originMust(cozy.URL), originMust(remote.URL), originMust(closedURL)}
				s.MemoryBytes = 64 << 20
			})
			if end.Status != statusOK {
				t.Fatalf("end %+v, logs %q", end, messages(logs))
			}
			if len(logs) != 1 || logs[0].Message != tt.want {
				t.Errorf("logs %q, want %q", messages(logs), tt.want)
			}
			if tt.cozy != "" {
				reqs := cozy.requests()
				if len(reqs) == 0 || !strings.Contains(reqs[len(reqs)-1], tt.cozy) {
					t.Errorf("cozy saw %q, want %q last", reqs, tt.cozy)
				}
			}
		})
	}
	if reqs := forbidden.requests(); len(reqs) != 0 {
		t.Errorf("the forbidden server was reached: %q", reqs)
	}
	for _, r := range remote.requests() {
		if strings.Contains(r, "Bearer") {
			t.Errorf("the token went to a remote origin: %q", r)
		}
	}
}

func originMust(raw string) string {
	o, err := originOf(raw)
	if err != nil {
		panic(err)
	}
	return o
}
