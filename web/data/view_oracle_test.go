package data_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// pouchdbServer starts pouchdb-server 4.2.0 (web/e2e's, leveldb in a temp
// dir) on a port the kernel chose, killed by its process group at the end.
func pouchdbServer(t *testing.T) string {
	t.Helper()
	webtest.SkipE2E(t)
	e2e := webtest.E2EDir()
	bin := filepath.Join(e2e, "node_modules", "pouchdb-server", "bin", "pouchdb-server")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("pouchdb-server is missing in web/e2e: run make test-deps (%v)", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("node", bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--config", filepath.Join(dir, "config.json"), "--no-stdout-logs")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	webtest.WaitFor(t, 30*time.Second, "pouchdb-server", func() bool {
		res, err := http.Get(base + "/")
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode == 200
	})
	return base
}

// TestViewsOracle runs the same design document and queries through real
// PouchDB (db.query over its http adapter) against our server and against
// pouchdb-server 4.2.0 (PouchDB's own view engine), before and after
// writes, and compares the answers (revisions and update_seq aside); the
// same for _changes filters and filtered pulls (PouchDB.replicate with a
// filter function).
//
// Known differences, where we answer as CouchDB does (see knownDifference;
// TestViews checks our answers to those): offset (CouchDB counts the rows
// before the first one returned, PouchDB answers the skip) is not compared.
func TestViewsOracle(t *testing.T) {
	webtest.SkipE2E(t)
	base := pouchdbServer(t)
	e := setup(t, 0)
	out := webtest.Script{Path: "pouchdb/views.mjs", Modules: []string{"pouchdb-core", "pouchdb-mapreduce"}, Timeout: 3 * time.Minute,
		Env: []string{"COZY_URL=" + e.URL(), "COZY_TOKEN=" + e.tok, "COZY_DOCTYPE=io.cozy.test", "COZY_REMOTE=" + base + "/oracle"}}.Run(t)
	var res struct {
		Ours, Theirs []struct {
			Label string          `json:"label"`
			View  string          `json:"view"`
			Opts  json.RawMessage `json:"opts"`
			Res   map[string]any  `json:"res"`
			Error any             `json:"error"`
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("views.mjs printed %q: %v", out, err)
	}
	if len(res.Ours) != len(res.Theirs) || len(res.Ours) == 0 {
		t.Fatalf("%d steps against ours, %d against pouchdb-server", len(res.Ours), len(res.Theirs))
	}
	same := 0
	for i, o := range res.Ours {
		th := res.Theirs[i]
		name := fmt.Sprintf("%s %s %s", o.Label, o.View, o.Opts)
		if why := knownDifference(o.View, o.Opts); why != "" {
			t.Logf("%s: not compared: %s", name, why)
			continue
		}
		if fmt.Sprint(o.Error) != fmt.Sprint(th.Error) {
			t.Errorf("%s: error %v, pouchdb-server %v", name, o.Error, th.Error)
			continue
		}
		if o.View == "replicate" && (o.Res["ok"] != true || len(o.Res["ids"].([]any)) == 0) {
			t.Errorf("%s: the filtered pull failed: %v", name, o.Res)
		}
		if o.Res != nil && th.Res != nil {
			// PouchDB answers offset = skip; CouchDB (and we) the rows before.
			delete(o.Res, "offset")
			delete(th.Res, "offset")
		}
		a, _ := json.Marshal(o.Res)
		b, _ := json.Marshal(th.Res)
		if string(a) != string(b) {
			t.Errorf("%s:\n ours:           %s\n pouchdb-server: %s", name, a, b)
			continue
		}
		same++
	}
	t.Logf("%d of %d view answers identical to pouchdb-server's", same, len(res.Ours))
}

// knownDifference says why a query is not compared with pouchdb-server's
// answer: where PouchDB departs from CouchDB, whose behaviour we follow.
func knownDifference(view string, opts json.RawMessage) string {
	var o map[string]any
	_ = json.Unmarshal(opts, &o)
	if _, keys := o["keys"]; keys && o["descending"] == true {
		return "with keys and descending, CouchDB reverses the rows of each key, PouchDB does not"
	}
	if o["reduce"] == true && view == "by_key" {
		return "reduce=true on a map-only view is CouchDB's 400 query_parse_error, PouchDB ignores it"
	}
	return ""
}
