package data_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/services/queryserver"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	if queryserver.IsChild() { // the views' query server re-runs this binary
		queryserver.ChildMain()
		return
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// testScope is the scope of the tests' main token.
const testScope = "io.cozy.test io.cozy.other io.cozy.files io.cozy.doctypes"

// env is webtest's server with a token on the test doctypes.
type env struct {
	*webtest.Env
	tok string
}

// setup starts the server (bodyLimit 0: the default) and issues the main
// token.
func setup(tb testing.TB, bodyLimit int64) *env {
	tb.Helper()
	e := &env{Env: webtest.NewEnv(tb, &config.Config{BodyLimit: bodyLimit}, instance.Options{})}
	e.tok = e.Token(tb, testScope)
	return e
}

// send makes a request with the main token and returns its status and body.
func (e *env) send(tb testing.TB, method, path, body string) (int, string) {
	tb.Helper()
	res, out := e.Do(tb, nil, method, path, e.tok, body, nil)
	return res.StatusCode, out
}

// must makes a request with the main token and fails unless it answers
// status; it returns the body.
func (e *env) must(tb testing.TB, status int, method, path, body string) string {
	tb.Helper()
	got, out := e.send(tb, method, path, body)
	if got != status {
		tb.Fatalf("%s %s: status %d, want %d: %s", method, path, got, status, out)
	}
	return out
}

// object decodes a JSON object answer.
func object(tb testing.TB, body string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		tb.Fatalf("not a JSON object: %q", body)
	}
	return m
}
