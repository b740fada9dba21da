package queryserver

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/store"
)

func TestMain(m *testing.M) {
	if IsChild() { // the pool re-runs this test binary
		ChildMain()
		return
	}
	os.Exit(m.Run())
}

func raws(texts ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(texts))
	for i, t := range texts {
		out[i] = json.RawMessage(t)
	}
	return out
}

func newPool(t *testing.T, timeout time.Duration) *Pool {
	t.Helper()
	p := &Pool{Size: 1, Timeout: timeout, MemoryBytes: 128 << 20}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// TestProtocol speaks the line protocol to a child directly, as CouchDB
// does, command by command.
func TestProtocol(t *testing.T) {
	p := newPool(t, 5*time.Second)
	pr, err := p.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer p.put(pr)
	ctx := context.Background()
	steps := []struct {
		cmd  []any
		want string // the answer, or the error's code after "error:"
	}{
		{[]any{"reset"}, `true`},
		{[]any{"add_fun", "function(doc){ emit(doc._id, 1); if (doc.tags) doc.tags.forEach(function(t){ emit([t, doc.n], null) }) }"}, `true`},
		{[]any{"add_fun", "function(doc){ if (doc.n > 1) throw new Error('boom'); emit(doc.n) }"}, `true`},
		{[]any{"map_doc", json.RawMessage(`{"_id":"a","n":1,"tags":["x","y"]}`)}, `[[["a",1],[["x",1],null],[["y",1],null]],[[1,null]]]`},
		{[]any{"map_doc", json.RawMessage(`{"_id":"b","n":2}`)}, `[[["b",1]],[]]`},
		{[]any{"add_fun", "not a function ("}, `error:compilation_error`},
		{[]any{"reduce", []string{"function(k, v){ return sum(v) }", "function(k, v, re){ return k.length }"},
			json.RawMessage(`[[["a","a"],1],[["b","b"],2]]`)}, `[true,[3,2]]`},
		{[]any{"rereduce", []string{"function(k, v, re){ return re ? sum(v) * 10 : 0 }"}, json.RawMessage(`[1,2,3]`)}, `[true,[60]]`},
		{[]any{"reduce", []string{"function(){ throw new Error('bad') }"}, json.RawMessage(`[]`)}, `error:reduce_error`},
		{[]any{"ddoc", "new", "_design/d@1-a", json.RawMessage(`{"_id":"_design/d","filters":{"even":"function(doc, req){ return doc.n % 2 == 0 && req.query.x == '1' }"},"views":{"v":{"map":"function(doc){ if (doc.n > 1) emit(doc.n) }"}}}`)}, `true`},
		{[]any{"ddoc", "_design/d@1-a", []string{"filters", "even"}, json.RawMessage(`[[{"n":1},{"n":2}],{"query":{"x":"1"}}]`)}, `[true,[false,true]]`},
		{[]any{"ddoc", "_design/d@1-a", []string{"views", "v", "map"}, json.RawMessage(`[[{"n":1},{"n":2}]]`)}, `[true,[false,true]]`},
		{[]any{"ddoc", "_design/d@1-a", []string{"filters", "none"}, json.RawMessage(`[[],{}]`)}, `error:query_server_error`},
		{[]any{"ddoc", "new", "_design/v@1-a", json.RawMessage(`{"_id":"_design/v","validate_doc_update":"function(n, o, u, s){ if (n.f) throw({forbidden: 'no ' + this._id}); if (n.u) throw({unauthorized: u.db}); if (n.e) throw new Error('e'); if (n.o && !o) throw({forbidden: 'no old'}) }"}`)}, `true`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"_id":"x"},null,{"db":"d"},{}]`)}, `1`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"f":1},null,{"db":"d"},{}]`)}, `{"forbidden":"no _design/v"}`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"u":1},null,{"db":"d"},{}]`)}, `{"unauthorized":"d"}`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"o":1},null,{"db":"d"},{}]`)}, `{"forbidden":"no old"}`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"o":1},{"_id":"x"},{"db":"d"},{}]`)}, `1`},
		{[]any{"ddoc", "_design/v@1-a", []string{"validate_doc_update"}, json.RawMessage(`[{"e":1},null,{"db":"d"},{}]`)}, `error:query_server_error`},
		{[]any{"nonsense"}, `error:query_server_error`},
	}
	for i, s := range steps {
		ans, err := pr.call(ctx, s.cmd...)
		got := string(ans)
		if err != nil {
			got = "error:" + store.AsError(err).Code
		}
		if got != s.want {
			t.Errorf("step %d %v: got %s (%v), want %s", i, s.cmd[0], got, err, s.want)
		}
	}
	if pr.broken {
		t.Error("the child is marked broken after ordinary errors")
	}
}

// TestPoolMapReduce goes through the store.QueryServer methods, with the
// function set changing between calls.
func TestPoolMapReduce(t *testing.T) {
	p := newPool(t, 5*time.Second)
	ctx := context.Background()
	rows, err := p.Map(ctx, []string{"function(d){ emit(d.k, d.v) }"}, raws(`{"k":"x","v":2}`, `{"k":"y"}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(rows)
	if string(got) != `[[[["x",2]]],[[["y",null]]]]` {
		t.Errorf("map: %s", got)
	}
	rows, err = p.Map(ctx, []string{"function(d){ emit(1) }", "function(d){}"}, raws(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(rows); string(got) != `[[[[1,null]],[]]]` {
		t.Errorf("map with two functions: %s", got)
	}
	r, err := p.Reduce(ctx, "function(k, v){ return v.length }", raws(`["a","1"]`, `["b","2"]`), raws(`1`, `2`))
	if err != nil || string(r) != "2" {
		t.Errorf("reduce: %s, %v", r, err)
	}
	r, err = p.Rereduce(ctx, "function(k, v, re){ return sum(v) }", raws(`4`, `5`))
	if err != nil || string(r) != "9" {
		t.Errorf("rereduce: %s, %v", r, err)
	}
	ok, err := p.Filter(ctx, store.DesignRef{ID: "_design/f", Rev: "1-x", Body: json.RawMessage(`{"filters":{"f":"function(d){ return d.ok }"}}`)},
		[]string{"filters", "f"}, raws(`{"ok":true}`, `{}`), nil)
	if err != nil || len(ok) != 2 || !ok[0] || ok[1] {
		t.Errorf("filter: %v, %v", ok, err)
	}
	vdu := store.DesignRef{ID: "_design/v", Rev: "1-x", Body: json.RawMessage(`{"validate_doc_update":"function(n){ if (n.f) throw({forbidden: 'f'}); if (n.u) throw({unauthorized: {why: 1}}); if (n.x) throw 'plain' }"}`)}
	for doc, want := range map[string]string{`{}`: "", `{"f":1}`: "forbidden: f", `{"u":1}`: `unauthorized: {"why":1}`, `{"x":1}`: "unknown_error: plain"} {
		err := p.Validate(ctx, vdu, json.RawMessage(doc), nil, store.UserCtx("d"), nil)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("validate %s: %q, want %q", doc, got, want)
		}
	}
}

// TestLimits: a map function that loops forever or allocates without end
// is stopped with a clear error, and the pool serves the next call with a
// fresh child.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name, fun, want string
		timeout         time.Duration
	}{
		{"loop", "function(d){ while (true) {} }", "time limit", time.Second},
		// A time limit far beyond what reaching the memory limit takes,
		// even under -race on a loaded machine.
		{"allocation", "function(d){ var a = []; while (true) a.push(new Array(1e5).fill(d)); }", "memory limit", time.Minute},
		{"string", "function(d){ var s = 'x'; while (true) s = s + s; }", "memory limit", time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if raceBuild && tt.want == "memory limit" {
				t.Skip("a -race child has no rlimits")
			}
			p := newPool(t, tt.timeout)
			start := time.Now()
			_, err := p.Map(ctx, []string{tt.fun}, raws(`{"_id":"a"}`))
			if !errors.Is(err, store.ErrQueryServer) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an ErrQueryServer with %q", err, tt.want)
			}
			t.Logf("%s stopped after %v: %v", tt.name, time.Since(start).Round(time.Millisecond), err)
			rows, err := p.Map(ctx, []string{"function(d){ emit(d._id) }"}, raws(`{"_id":"a"}`))
			if err != nil || len(rows) != 1 || len(rows[0][0]) != 1 {
				t.Fatalf("next call: %v, %v", rows, err)
			}
		})
	}
}

// TestClose: calls after Close fail; Close stops the children.
func TestClose(t *testing.T) {
	p := &Pool{Size: 2}
	if _, err := p.Map(context.Background(), []string{"function(d){ emit(1) }"}, raws(`{}`)); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	idle := append([]*proc(nil), p.idle...)
	p.mu.Unlock()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pr := range idle {
		select {
		case <-pr.done:
		default:
			t.Error("a child is still read after Close")
		}
	}
	if _, err := p.Map(context.Background(), []string{"function(d){}"}, raws(`{}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestChildDies: a child killed from outside fails the call it was serving
// (or the next one) with a clear error, and the pool starts another.
func TestChildDies(t *testing.T) {
	p := newPool(t, 5*time.Second)
	ctx := context.Background()
	fun := []string{"function(d){ emit(d._id) }"}
	if _, err := p.Map(ctx, fun, raws(`{"_id":"a"}`)); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	pr := p.idle[0]
	p.mu.Unlock()
	if err := pr.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, err := p.Map(ctx, fun, raws(`{"_id":"a"}`))
	if !errors.Is(err, store.ErrQueryServer) || !strings.Contains(err.Error(), "died") {
		t.Fatalf("call on a dead child: %v", err)
	}
	rows, err := p.Map(ctx, fun, raws(`{"_id":"b"}`))
	if err != nil || len(rows) != 1 || string(rows[0][0][0][0]) != `"b"` {
		t.Fatalf("after the death: %v, %v", rows, err)
	}
}
