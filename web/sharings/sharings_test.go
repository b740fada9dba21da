package sharings_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// TestSharingsOfABox: Drive's "Who has access?" asks GET
// /sharings/doctype/io.cozy.files and /sharings/drives on every folder
// (before: 404, and the panel never finished). A box without sharings
// answers empty lists; sharing documents in the store are listed without
// their credentials, with their shared documents.
func TestSharingsOfABox(t *testing.T) {
	e := webtest.NewEnv(t, &config.Config{BodyLimit: 1 << 20}, instance.Options{Locale: "en"})
	drive := e.Token(t, "io.cozy.files")
	e.Run(t, []webtest.Scenario{
		{Name: "files, none", Method: "GET", URL: "/sharings/doctype/io.cozy.files", Token: drive, ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}, ExpectedContent: []string{`{"data":[],"meta":{"count":0}}`}},
		{Name: "drives, none", Method: "GET", URL: "/sharings/drives", Token: drive, ExpectedStatus: 200, ExpectedContent: []string{`{"data":[],"meta":{"count":0}}`}},
		{Name: "another doctype", Method: "GET", URL: "/sharings/doctype/io.cozy.contacts", Token: drive, ExpectedStatus: 403},
		{Name: "no token", Method: "GET", URL: "/sharings/drives", ExpectedStatus: 401},
		{Name: "bad shared_docs", Method: "GET", URL: "/sharings/doctype/io.cozy.files?shared_docs=maybe", Token: drive, ExpectedStatus: 400},
	})

	st, err := e.Instances.Store(e.Inst)
	if err != nil {
		t.Fatal(err)
	}
	put := func(doctype, id string, body any) {
		b, _ := json.Marshal(body)
		if _, err := st.DB(doctype).Put(context.Background(), store.Doc{ID: id, Body: b}, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("io.cozy.sharings", "s1", map[string]any{"description": "Hawaii", "app_slug": "drive", "owner": true, "active": true,
		"members":     []any{map[string]any{"status": "owner", "instance": "alice.example"}, map[string]any{"status": "ready", "name": "Bob"}},
		"credentials": []any{map[string]any{"secret": "S3CRET"}},
		"rules":       []any{map[string]any{"title": "Hawaii", "doctype": "io.cozy.files", "values": []string{"dir1"}}}})
	put("io.cozy.sharings", "d1", map[string]any{"description": "Team", "drive": true,
		"rules": []any{map[string]any{"doctype": "io.cozy.files", "values": []string{"dir2"}}}})
	put("io.cozy.sharings", "c1", map[string]any{"rules": []any{map[string]any{"doctype": "io.cozy.contacts"}}})
	put("io.cozy.shared", "io.cozy.files/dir1", map[string]any{"infos": map[string]any{"s1": map[string]any{"rule": 0}}})
	put("io.cozy.shared", "io.cozy.files/old", map[string]any{"infos": map[string]any{"s1": map[string]any{"removed": true}}})
	e.Run(t, []webtest.Scenario{
		{Name: "files", Method: "GET", URL: "/sharings/doctype/io.cozy.files", Token: drive, ExpectedStatus: 200,
			ExpectedContent: []string{`"count":2`, `"id":"s1"`, `"description":"Hawaii"`, `"shared_docs":{"data":[{"id":"dir1","type":"io.cozy.files"}]}`,
				`"self":"/sharings/s1"`, `"rev":"1-`},
			NotExpectedContent: []string{"S3CRET", "credentials", `"id":"c1"`, `"id":"old"`}},
		{Name: "files without docs", Method: "GET", URL: "/sharings/doctype/io.cozy.files?shared_docs=false", Token: drive, ExpectedStatus: 200,
			NotExpectedContent: []string{"shared_docs"}},
		{Name: "drives", Method: "GET", URL: "/sharings/drives", Token: drive, ExpectedStatus: 200,
			ExpectedContent: []string{`"count":1`, `"id":"d1"`, `"drive":true`}},
	})
}
