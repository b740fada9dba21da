package realtime_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
	"github.com/cozypi/cozy/web"
	realtimeweb "github.com/cozypi/cozy/web/realtime"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	if services.IsChild() { // the service sandbox re-runs this binary
		services.ChildMain()
		return
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

type env struct {
	t    testing.TB
	url  string
	srv  *web.Server
	mgr  *instance.Manager
	inst *instance.Instance
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s, mgr := webtest.Server(t, &config.Config{BodyLimit: 1 << 20})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
		mgr.Close()
	})
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: strings.TrimPrefix(hs.URL, "http://")})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: hs.URL, srv: s, mgr: mgr, inst: inst}
}

func (e *env) token(scope string) string {
	e.t.Helper()
	tok, err := e.inst.Issue(token.CLI, "", scope)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a request with a token and returns the status and body.
func (e *env) do(method, path, tok, body string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(data, &out)
	return res.StatusCode, out
}

// client is a websocket client speaking io.cozy.websocket.
type client struct {
	t    testing.TB
	conn *websocket.Conn
}

func (e *env) dial(tok string) *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/realtime/",
		&websocket.DialOptions{Subprotocols: []string{realtimeweb.Subprotocol}})
	if err != nil {
		e.t.Fatal(err)
	}
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != realtimeweb.Subprotocol {
		e.t.Fatalf("subprotocol %q", got)
	}
	conn.SetReadLimit(1 << 22)
	e.t.Cleanup(func() { conn.CloseNow() })
	c := &client{t: e.t, conn: conn}
	if tok != "" {
		c.send("AUTH", tok)
	}
	return c
}

func (c *client) send(method string, payload any) {
	c.t.Helper()
	msg, _ := json.Marshal(map[string]any{"method": method, "payload": payload})
	if err := c.conn.Write(context.Background(), websocket.MessageText, msg); err != nil {
		c.t.Fatal(err)
	}
}

type message struct {
	Event   string `json:"event"`
	Payload struct {
		Type   string         `json:"type"`
		ID     string         `json:"id"`
		Rev    string         `json:"rev"`
		Doc    map[string]any `json:"doc"`
		Old    map[string]any `json:"old"`
		Status string         `json:"status"`
		Code   string         `json:"code"`
		Title  string         `json:"title"`
	} `json:"payload"`
}

func (c *client) next() (message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m message
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(data, &m)
}

func (c *client) expect(event, doctype, id string) message {
	c.t.Helper()
	m, err := c.next()
	if err != nil {
		c.t.Fatal(err)
	}
	if m.Event != event || m.Payload.Type != doctype || (id != "" && m.Payload.ID != id) {
		c.t.Fatalf("got %+v, want %s %s/%s", m, event, doctype, id)
	}
	return m
}

// barrier returns once the server has applied the commands sent so far:
// commands are handled in order, and an unknown one is answered with an
// error event.
func (c *client) barrier() {
	c.t.Helper()
	c.send("BARRIER", nil)
	m := c.expect("error", "", "")
	if m.Payload.Status != "400 Bad Request" || !strings.Contains(m.Payload.Title, "BARRIER") {
		c.t.Fatalf("barrier answered %+v", m.Payload)
	}
}

func TestEventsFromEveryWrite(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.notes io.cozy.sync")
	c := e.dial(tok)
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.barrier()

	// Over /data.
	st, out := e.do("POST", "/data/io.cozy.notes/", tok, `{"title":"a"}`)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, out)
	}
	id, rev := out["id"].(string), out["rev"].(string)
	m := c.expect("CREATED", "io.cozy.notes", id)
	if m.Payload.Doc["title"] != "a" || m.Payload.Rev != rev || m.Payload.Old != nil {
		t.Fatalf("created payload %+v", m.Payload)
	}
	st, out = e.do("PUT", "/data/io.cozy.notes/"+id, tok, `{"_rev":"`+rev+`","title":"b"}`)
	if st != http.StatusOK {
		t.Fatalf("update: %d %v", st, out)
	}
	m = c.expect("UPDATED", "io.cozy.notes", id)
	if m.Payload.Doc["title"] != "b" || m.Payload.Old["title"] != "a" {
		t.Fatalf("updated payload %+v", m.Payload)
	}
	st, _ = e.do("DELETE", "/data/io.cozy.notes/"+id+"?rev="+out["rev"].(string), tok, "")
	if st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	c.expect("DELETED", "io.cozy.notes", id)

	// Over replication (new_edits=false), two documents in one request.
	st, _ = e.do("POST", "/data/io.cozy.notes/_bulk_docs", tok, `{"new_edits":false,"docs":[
		{"_id":"r1","_rev":"1-aaaa","title":"replicated"},{"_id":"r2","_rev":"1-bbbb","title":"too"}]}`)
	if st != http.StatusCreated {
		t.Fatalf("bulk: %d", st)
	}
	got := map[string]bool{}
	for range 2 {
		m := c.expect("CREATED", "io.cozy.notes", "")
		got[m.Payload.ID] = true
	}
	if !got["r1"] || !got["r2"] {
		t.Fatalf("replicated events %v", got)
	}

	// By an in-process writer (a worker, or a service's request handled
	// by the data API) straight into the store.
	st2, err := e.mgr.Store(e.inst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st2.DB("io.cozy.notes").Put(context.Background(), store.Doc{ID: "w1", Body: json.RawMessage(`{"by":"worker"}`)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := c.expect("CREATED", "io.cozy.notes", "w1"); m.Payload.Doc["by"] != "worker" {
		t.Fatalf("payload %+v", m.Payload)
	}

	// Another doctype is not delivered; UNSUBSCRIBE stops the flow. Events
	// of one store come in write order, so the marker written last is the
	// next event.
	c.send("UNSUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.sync"})
	c.barrier()
	e.do("POST", "/data/io.cozy.other/", e.token("io.cozy.other"), `{}`)
	e.do("POST", "/data/io.cozy.notes/", tok, `{"title":"unseen"}`)
	e.do("POST", "/data/io.cozy.sync/", tok, `{"marker":true}`)
	c.expect("CREATED", "io.cozy.sync", "")
}

func TestSubscribeOneDocument(t *testing.T) {
	e := newEnv(t)
	tok := e.token("io.cozy.notes io.cozy.sync")
	_, a := e.do("POST", "/data/io.cozy.notes/", tok, `{"n":1}`)
	_, b := e.do("POST", "/data/io.cozy.notes/", tok, `{"n":2}`)
	c := e.dial(tok)
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes", "id": b["id"].(string)})
	c.barrier()
	for _, d := range []map[string]any{a, b} {
		if st, out := e.do("PUT", "/data/io.cozy.notes/"+d["id"].(string), tok, `{"_rev":"`+d["rev"].(string)+`","n":20}`); st != http.StatusOK {
			t.Fatalf("update: %d %v", st, out)
		}
	}
	m := c.expect("UPDATED", "io.cozy.notes", b["id"].(string))
	if m.Payload.Doc["n"] != float64(20) {
		t.Fatalf("payload %+v", m.Payload)
	}
}

func TestSubscribeWithoutPermission(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, scope string
		sel         map[string]string
	}{
		{"other doctype", "io.cozy.notes", map[string]string{"type": "io.cozy.files"}},
		{"no GET", "io.cozy.notes:POST", map[string]string{"type": "io.cozy.notes"}},
		{"other document", "io.cozy.notes:GET:abc", map[string]string{"type": "io.cozy.notes", "id": "xyz"}},
		{"whole doctype with one document", "io.cozy.notes:GET:abc", map[string]string{"type": "io.cozy.notes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(e.token(tt.scope))
			c.send("SUBSCRIBE", tt.sel)
			m := c.expect("error", "", "")
			if m.Payload.Status != "403 Forbidden" || m.Payload.Code != "forbidden" || !strings.Contains(m.Payload.Title, tt.sel["type"]) {
				t.Fatalf("error payload %+v", m.Payload)
			}
		})
	}
	// A refused subscription leaves the connection usable.
	c := e.dial(e.token("io.cozy.notes:GET:abc io.cozy.sync"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.files"})
	c.expect("error", "", "")
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes", "id": "abc"})
	c.barrier()
}

func TestAuthRefused(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t)
	tests := []struct {
		name   string
		first  func(c *client)
		status string
	}{
		{"bad token", func(c *client) { c.send("AUTH", "not-a-token") }, "401 Unauthorized"},
		{"token of another instance", func(c *client) { c.send("AUTH", other.token("io.cozy.notes")) }, "401 Unauthorized"},
		{"no AUTH first", func(c *client) { c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"}) }, "401 Unauthorized"},
		{"not JSON", func(c *client) {
			c.conn.Write(context.Background(), websocket.MessageText, []byte("{nope"))
		}, "400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial("")
			tt.first(c)
			m, err := c.next()
			if err != nil {
				t.Fatal(err)
			}
			if m.Event != "error" || m.Payload.Status != tt.status {
				t.Fatalf("got %+v", m)
			}
			_, err = c.next()
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("connection not closed with 1008: %v", err)
			}
		})
	}
}

func TestNotify(t *testing.T) {
	e := newEnv(t)
	c := e.dial(e.token("io.cozy.jobs"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.jobs"})
	c.barrier()
	tests := []struct {
		name, scope, path, body string
		want                    int
	}{
		{"no token", "", "/realtime/io.cozy.jobs/j1", `{}`, http.StatusUnauthorized},
		{"no POST", "io.cozy.jobs:GET", "/realtime/io.cozy.jobs/j1", `{}`, http.StatusForbidden},
		{"other document", "io.cozy.jobs:POST:j2", "/realtime/io.cozy.jobs/j1", `{}`, http.StatusForbidden},
		{"not an object", "io.cozy.jobs", "/realtime/io.cozy.jobs/j1", `[1]`, http.StatusBadRequest},
		{"bad doctype", "io.cozy.jobs", "/realtime/NOT%20A%20DOCTYPE/j1", `{}`, http.StatusBadRequest},
		{"sent", "io.cozy.jobs:POST:j1", "/realtime/io.cozy.jobs/j1", `{"subtype":"progress","imported":10,"total":42}`, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := ""
			if tt.scope != "" {
				tok = e.token(tt.scope)
			}
			if st, out := e.do("POST", tt.path, tok, tt.body); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, out)
			}
		})
	}
	m := c.expect("NOTIFIED", "io.cozy.jobs", "j1") // only the accepted one
	if m.Payload.Doc["total"] != float64(42) || m.Payload.Rev != "" {
		t.Fatalf("payload %+v", m.Payload)
	}
}

func TestSlowClientIsDisconnected(t *testing.T) {
	e := newEnv(t)
	c := e.dial(e.token("io.cozy.notes io.cozy.sync"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.barrier()
	// The client reads nothing while far more than its buffer and the
	// socket buffers can hold is published; Publish must never wait.
	doc := json.RawMessage(`{"pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	for range 4 * realtime.DefaultBuffer {
		e.srv.Realtime.Publish(e.inst.ID, &realtime.Event{Verb: realtime.Notified, Doctype: "io.cozy.notes", ID: "n", Doc: doc})
	}
	for {
		m, err := c.next()
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("closed with %v, want 1013", err)
			}
			break
		}
		if m.Event != "NOTIFIED" {
			t.Fatalf("got %+v", m)
		}
	}
	// The server is unharmed: a new connection works.
	c = e.dial(e.token("io.cozy.sync"))
	c.barrier()
}

func TestNotAWebsocket(t *testing.T) {
	e := newEnv(t)
	res, err := http.Get(e.url + "/realtime/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", res.StatusCode)
	}
}
