package realtime_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/permission"
)

// deriveService reads the note that triggered it and writes a derived
// document over the data API, with its own token.
const deriveService = `
async function main() {
  const doc = JSON.parse(process.env.COZY_COUCH_DOC);
  const res = await fetch("/data/io.cozy.notes/" + doc._id);
  if (!res.ok) throw new Error("read failed " + res.status);
  const note = await res.json();
  const w = await fetch("/data/io.cozy.notes.derived/", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({source: note._id, upper: note.title.toUpperCase()}),
  });
  if (!w.ok) throw new Error("write failed " + w.status);
}
main().catch((err) => { console.error(String(err)); process.exit(1); });
`

// TestEventsFromAService: a document written by an app service running in
// the sandbox (started by an @event trigger) reaches the websocket.
func TestEventsFromAService(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rules, err := permission.ParseScope("io.cozy.notes:GET io.cozy.notes.derived:POST")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Server.Perms.Put(ctx, e.Inst, &permission.Permission{Type: permission.TypeApp, SourceID: "io.cozy.apps/notes", Rules: rules}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.Instances.Dir(e.Inst), "apps", "notes", "services")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "derive.js"), []byte(deriveService), 0o644); err != nil {
		t.Fatal(err)
	}
	tok := e.Token(t, "io.cozy.triggers io.cozy.jobs io.cozy.notes io.cozy.notes.derived")
	c := e.dial(tok)
	c.send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes.derived"})
	c.barrier()
	trigger := `{"data":{"attributes":{"type":"@event","arguments":"io.cozy.notes:CREATED","worker":"service",
		"message":{"slug":"notes","name":"derive","type":"node","file":"services/derive.js"},"options":{"max_exec_count":1}}}}`
	if st, out := e.call("POST", "/jobs/triggers", tok, trigger); st != http.StatusCreated {
		t.Fatalf("trigger: %d %v", st, out)
	}
	if st, _ := e.call("POST", "/data/io.cozy.notes/", tok, `{"title":"hello"}`); st != http.StatusCreated {
		t.Fatalf("note: %d", st)
	}
	m := c.expect("CREATED", "io.cozy.notes.derived", "")
	if m.Payload.Doc["upper"] != "HELLO" {
		t.Fatalf("payload %+v", m.Payload)
	}
}
