package settings_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestDiskUsage(t *testing.T) {
	e := newEnv(t)
	files, other := e.Token(t, "io.cozy.files"), e.Token(t, "io.cozy.contacts")
	res, up := e.Do(t, nil, "POST", "/files/?Type=file&Name=a.txt", files, strings.Repeat("x", 1000), nil)
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %s", res.StatusCode, up)
	}
	var created struct{ Data struct{ ID string } }
	json.Unmarshal([]byte(up), &created)
	if res, b := e.Do(t, nil, "DELETE", "/files/"+created.Data.ID, files, "", nil); res.StatusCode != 200 {
		t.Fatalf("trash: %d %s", res.StatusCode, b)
	}
	attrs := func(want map[string]string) func(*testing.T, *http.Response, string) {
		return func(t *testing.T, _ *http.Response, body string) {
			var doc struct {
				Data struct {
					ID         string
					Attributes map[string]string
				}
			}
			if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Data.ID != "io.cozy.settings.disk-usage" {
				t.Fatalf("body %s", body)
			}
			for k, v := range want {
				if doc.Data.Attributes[k] != v {
					t.Errorf("%s = %q, want %q (%s)", k, doc.Data.Attributes[k], v, body)
				}
			}
			if _, ok := doc.Data.Attributes["quota"]; ok {
				t.Errorf("no quota set, but quota given: %s", body)
			}
		}
	}
	e.Run(t, []webtest.Scenario{
		{Name: "owner session", Method: "GET", URL: "/settings/disk-usage", Client: e.owner, ExpectedStatus: 200,
			After: attrs(map[string]string{"used": "1000", "files": "1000", "versions": "0"})},
		{Name: "any token, with trash", Method: "GET", URL: "/settings/disk-usage?include=trash", Token: other, ExpectedStatus: 200,
			After: attrs(map[string]string{"used": "1000", "trash": "1000"})},
		{Name: "no credentials", Method: "GET", URL: "/settings/disk-usage", ExpectedStatus: 401},
	})
}
