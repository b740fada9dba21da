package settings_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
)

func TestDiskUsage(t *testing.T) {
	e := newEnv(t)
	files, err := e.inst.Issue(token.CLI, "", "io.cozy.files")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.inst.Issue(token.CLI, "", "io.cozy.contacts")
	up := e.do(t, http.DefaultClient, "POST", "/files/?Type=file&Name=a.txt", files, strings.Repeat("x", 1000))
	if up.status != 201 {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	var created struct{ Data struct{ ID string } }
	json.Unmarshal([]byte(up.body), &created)
	if r := e.do(t, http.DefaultClient, "DELETE", "/files/"+created.Data.ID, files, ""); r.status != 200 {
		t.Fatalf("trash: %d %s", r.status, r.body)
	}
	tests := []struct {
		name, path, tok string
		client          *http.Client
		status          int
		attrs           map[string]string
	}{
		{"owner session", "/settings/disk-usage", "", e.owner, 200, map[string]string{"used": "1000", "files": "1000", "versions": "0"}},
		{"any token, with trash", "/settings/disk-usage?include=trash", other, http.DefaultClient, 200, map[string]string{"used": "1000", "trash": "1000"}},
		{"no credentials", "/settings/disk-usage", "", http.DefaultClient, 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.client, "GET", tt.path, tt.tok, "")
			if r.status != tt.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tt.attrs == nil {
				return
			}
			var doc struct {
				Data struct {
					ID         string
					Attributes map[string]string
				}
			}
			if err := json.Unmarshal([]byte(r.body), &doc); err != nil || doc.Data.ID != "io.cozy.settings.disk-usage" {
				t.Fatalf("body %s", r.body)
			}
			for k, v := range tt.attrs {
				if doc.Data.Attributes[k] != v {
					t.Errorf("%s = %q, want %q (%s)", k, doc.Data.Attributes[k], v, r.body)
				}
			}
			if _, ok := doc.Data.Attributes["quota"]; ok {
				t.Errorf("no quota set, but quota given: %s", r.body)
			}
		})
	}
}
