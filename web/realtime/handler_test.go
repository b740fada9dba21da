package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/services"
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

// rtEnv is webtest's server with a websocket dialer and a JSON caller.
type rtEnv struct {
	*webtest.Env
	tb testing.TB
}

func setup(tb testing.TB) *rtEnv {
	tb.Helper()
	return &rtEnv{Env: webtest.NewEnv(tb, nil, instance.Options{}), tb: tb}
}

// call sends a request through webtest and decodes a JSON object answer.
func (e *rtEnv) call(method, path, tok, body string) (int, map[string]any) {
	e.tb.Helper()
	res, raw := e.Do(e.tb, nil, method, path, tok, body, nil)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return res.StatusCode, out
}

// client is a websocket client speaking io.cozy.websocket.
type client struct {
	t    testing.TB
	conn *websocket.Conn
}

func (e *rtEnv) dial(tok string) *client {
	e.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.URL(), "http")+"/realtime/",
		&websocket.DialOptions{Subprotocols: []string{realtimeweb.Subprotocol}})
	if err != nil {
		e.tb.Fatal(err)
	}
	if got := res.Header.Get("Sec-WebSocket-Protocol"); got != realtimeweb.Subprotocol {
		e.tb.Fatalf("subprotocol %q", got)
	}
	conn.SetReadLimit(1 << 22)
	e.tb.Cleanup(func() { conn.CloseNow() })
	c := &client{t: e.tb, conn: conn}
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
	e := setup(t)
	tok := e.Token(t, "io.cozy.notes io.cozy.sync")
	c := e.dial(tok)
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.barrier()

	// Over /data.
	st, out := e.call("POST", "/data/io.cozy.notes/", tok, `{"title":"a"}`)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, out)
	}
	id, rev := out["id"].(string), out["rev"].(string)
	m := c.expect("CREATED", "io.cozy.notes", id)
	if m.Payload.Doc["title"] != "a" || m.Payload.Rev != rev || m.Payload.Old != nil {
		t.Fatalf("created payload %+v", m.Payload)
	}
	st, out = e.call("PUT", "/data/io.cozy.notes/"+id, tok, `{"_rev":"`+rev+`","title":"b"}`)
	if st != http.StatusOK {
		t.Fatalf("update: %d %v", st, out)
	}
	m = c.expect("UPDATED", "io.cozy.notes", id)
	if m.Payload.Doc["title"] != "b" || m.Payload.Old["title"] != "a" {
		t.Fatalf("updated payload %+v", m.Payload)
	}
	st, _ = e.call("DELETE", "/data/io.cozy.notes/"+id+"?rev="+out["rev"].(string), tok, "")
	if st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	c.expect("DELETED", "io.cozy.notes", id)

	// Over replication (new_edits=false), two documents in one request.
	st, _ = e.call("POST", "/data/io.cozy.notes/_bulk_docs", tok, `{"new_edits":false,"docs":[
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
	st2, err := e.Instances.Store(e.Inst)
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
	e.call("POST", "/data/io.cozy.other/", e.Token(t, "io.cozy.other"), `{}`)
	e.call("POST", "/data/io.cozy.notes/", tok, `{"title":"unseen"}`)
	e.call("POST", "/data/io.cozy.sync/", tok, `{"marker":true}`)
	c.expect("CREATED", "io.cozy.sync", "")
}

func TestSubscribeOneDocument(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.notes io.cozy.sync")
	_, a := e.call("POST", "/data/io.cozy.notes/", tok, `{"n":1}`)
	_, b := e.call("POST", "/data/io.cozy.notes/", tok, `{"n":2}`)
	c := e.dial(tok)
	// The creations are published by the hub after their writes are
	// acknowledged: a marker written next, seen, means they have passed
	// (one store's events come in write order) before the subscription.
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.sync"})
	c.barrier()
	e.call("POST", "/data/io.cozy.sync/", tok, `{"marker":true}`)
	c.expect("CREATED", "io.cozy.sync", "")
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes", "id": b["id"].(string)})
	c.barrier()
	for _, d := range []map[string]any{a, b} {
		if st, out := e.call("PUT", "/data/io.cozy.notes/"+d["id"].(string), tok, `{"_rev":"`+d["rev"].(string)+`","n":20}`); st != http.StatusOK {
			t.Fatalf("update: %d %v", st, out)
		}
	}
	m := c.expect("UPDATED", "io.cozy.notes", b["id"].(string))
	if m.Payload.Doc["n"] != float64(20) {
		t.Fatalf("payload %+v", m.Payload)
	}
}

func TestSubscribeWithoutPermission(t *testing.T) {
	e := setup(t)
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
			c := e.dial(e.Token(t, tt.scope))
			c.send("SUBSCRIBE", tt.sel)
			m := c.expect("error", "", "")
			if m.Payload.Status != "403 Forbidden" || m.Payload.Code != "forbidden" || !strings.Contains(m.Payload.Title, tt.sel["type"]) {
				t.Fatalf("error payload %+v", m.Payload)
			}
		})
	}
	// A refused subscription leaves the connection usable.
	c := e.dial(e.Token(t, "io.cozy.notes:GET:abc io.cozy.sync"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.files"})
	c.expect("error", "", "")
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes", "id": "abc"})
	c.barrier()
}

func TestAuthRefused(t *testing.T) {
	e := setup(t)
	other := setup(t)
	tests := []struct {
		name   string
		first  func(c *client)
		status string
	}{
		{"bad token", func(c *client) { c.send("AUTH", "not-a-token") }, "401 Unauthorized"},
		{"token of another instance", func(c *client) { c.send("AUTH", other.Token(t, "io.cozy.notes")) }, "401 Unauthorized"},
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
	e := setup(t)
	c := e.dial(e.Token(t, "io.cozy.jobs"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.jobs"})
	c.barrier()
	e.Run(t, []webtest.Scenario{
		{Name: "no token", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `{}`, ExpectedStatus: http.StatusUnauthorized},
		{Name: "no POST", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `{}`, Token: e.Token(t, "io.cozy.jobs:GET"), ExpectedStatus: http.StatusForbidden},
		{Name: "other document", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `{}`, Token: e.Token(t, "io.cozy.jobs:POST:j2"), ExpectedStatus: http.StatusForbidden},
		{Name: "not an object", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `[1]`, Token: e.Token(t, "io.cozy.jobs"), ExpectedStatus: http.StatusBadRequest},
		{Name: "invalid UTF-8", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: "{\"a\":\"\xff\"}", Token: e.Token(t, "io.cozy.jobs"), ExpectedStatus: http.StatusBadRequest},
		{Name: "too large", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `{"a":"` + strings.Repeat("x", 1<<20) + `"}`, Token: e.Token(t, "io.cozy.jobs"),
			ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "bad doctype", Method: "POST", URL: "/realtime/NOT%20A%20DOCTYPE/j1", Body: `{}`, Token: e.Token(t, "io.cozy.jobs"), ExpectedStatus: http.StatusBadRequest},
		{Name: "sent", Method: "POST", URL: "/realtime/io.cozy.jobs/j1", Body: `{"subtype":"progress","imported":10,"total":42}`,
			Token: e.Token(t, "io.cozy.jobs:POST:j1"), ExpectedStatus: http.StatusNoContent},
	})
	m := c.expect("NOTIFIED", "io.cozy.jobs", "j1") // only the accepted one
	if m.Payload.Doc["total"] != float64(42) || m.Payload.Rev != "" {
		t.Fatalf("payload %+v", m.Payload)
	}
}

func TestSlowClientIsDisconnected(t *testing.T) {
	e := setup(t)
	c := e.dial(e.Token(t, "io.cozy.notes io.cozy.sync"))
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.barrier()
	// The client reads nothing while far more than its buffer and the
	// socket buffers can hold is published; Publish must never wait.
	doc := json.RawMessage(`{"pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	for range 4 * realtime.DefaultBuffer {
		e.Server.Realtime.Publish(e.Inst.ID, &realtime.Event{Verb: realtime.Notified, Doctype: "io.cozy.notes", ID: "n", Doc: doc})
	}
	resync := false
	for {
		m, err := c.next()
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("closed with %v, want 1013", err)
			}
			break
		}
		if m.Event == "error" && m.Payload.Title == realtimeweb.ResyncTitle {
			resync = true
			continue
		}
		if m.Event != "NOTIFIED" || resync {
			t.Fatalf("got %+v (after the resync error: %v)", m, resync)
		}
	}
	if !resync {
		t.Fatal("the dropped client was not told to resync")
	}
	// The server is unharmed: a new connection works.
	c = e.dial(e.Token(t, "io.cozy.sync"))
	c.barrier()
}

func TestNotAWebsocket(t *testing.T) {
	e := setup(t)
	res, err := http.Get(e.URL() + "/realtime/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", res.StatusCode)
	}
}

// TestBurstEveryEventOrResync (finding 5): under a 5,000-document bulk, a
// subscriber receives every event, once and in order, or is told that it
// lost some (an error event, then close 1013): never a silent gap.
func TestBurstEveryEventOrResync(t *testing.T) {
	e := setup(t)
	tok := e.Token(t, "io.cozy.notes io.cozy.sync")
	c := e.dial(tok)
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
	c.barrier()
	var docs strings.Builder
	for i := range 5000 {
		if i > 0 {
			docs.WriteByte(',')
		}
		fmt.Fprintf(&docs, `{"_id":"n%05d"}`, i)
	}
	if st, out := e.call("POST", "/data/io.cozy.notes/_bulk_docs", tok, `{"docs":[`+docs.String()+`]}`); st != http.StatusCreated {
		t.Fatalf("bulk: %d %v", st, out)
	}
	next := 0
	for next < 5000 {
		m, err := c.next()
		if err != nil {
			t.Fatalf("after %d events: %v (no resync error first)", next, err)
		}
		if m.Event == "error" {
			if m.Payload.Title != realtimeweb.ResyncTitle {
				t.Fatalf("error %+v", m.Payload)
			}
			if _, err := c.next(); websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("resync error not followed by close 1013: %v", err)
			}
			t.Logf("told to resync after %d events", next)
			return
		}
		if want := fmt.Sprintf("n%05d", next); m.Event != "CREATED" || m.Payload.ID != want {
			t.Fatalf("event %d: %s %s, want CREATED %s", next, m.Event, m.Payload.ID, want)
		}
		next++
	}
	c.barrier() // nothing more than the 5,000
}
