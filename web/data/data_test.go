package data_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// env is a running server with one instance.
type env struct {
	srv  *httptest.Server
	inst *instance.Instance
	tok  string // CLI token on the test doctypes
}

const testScope = "io.cozy.test io.cozy.other io.cozy.files io.cozy.doctypes"

func newEnv(t testing.TB, bodyLimit int64) *env {
	t.Helper()
	s, mgr := webtest.Server(t, &config.Config{BodyLimit: bodyLimit})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		mgr.Close()
	})
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: strings.Replace(srv.URL[len("http://"):], "127.0.0.1", "localhost", 1)})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, inst: inst}
	e.tok = e.token(t, testScope)
	return e
}

func (e *env) token(t testing.TB, scope string) string {
	t.Helper()
	tok, err := e.inst.Issue(token.CLI, "", scope)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// url is the instance's base URL (localhost:PORT resolves for node too).
func (e *env) url() string { return "http://" + e.inst.Domain }

type resp struct {
	status int
	body   string
	header http.Header
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not a JSON object: %q", r.body)
	}
	return m
}

func (e *env) do(t testing.TB, method, path, tok, body string, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: string(b), header: res.Header}
}

// check runs a table of requests, asserting status and substrings.
type call struct {
	name, method, path, body string
	tok                      string // "" uses the env token; "-" sends none
	status                   int
	contains                 []string
}

func (e *env) run(t *testing.T, calls []call) {
	t.Helper()
	for _, c := range calls {
		tok := c.tok
		switch tok {
		case "":
			tok = e.tok
		case "-":
			tok = ""
		}
		r := e.do(t, c.method, c.path, tok, c.body)
		if r.status != c.status {
			t.Errorf("%s: %s %s: status %d, want %d: %s", c.name, c.method, c.path, r.status, c.status, r.body)
			continue
		}
		for _, s := range c.contains {
			if !strings.Contains(r.body, s) {
				t.Errorf("%s: body %s lacks %q", c.name, r.body, s)
			}
		}
	}
}
