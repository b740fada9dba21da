package apps_test

import (
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

func TestParseManifest(t *testing.T) {
	full := `{"name":"Drive","name_prefix":"Cozy","slug":"drive","editor":"Cozy","icon":"icon.svg",
	"screenshots":["s/1.png"],"category":"cozy","short_description":"s","long_description":"l",
	"source":"https://x.example/drive.git","developer":{"name":"Cozy","url":"https://cozy.io"},
	"locales":{"fr":{"short_description":"c"}},"langs":["en","fr"],"version":"1.2.3","license":"AGPL-3.0",
	"platforms":[{"type":"ios","url":"https://x"}],"intents":[{"action":"OPEN","type":["io.cozy.files"],"href":"/intents"}],
	"permissions":{"files":{"type":"io.cozy.files","verbs":["GET"]}},
	"notifications":{"n":{"description":"d"}},"services":{"s":{"type":"node","file":"/services/s.js","trigger":"@cron 0 0 0 * * *"}},
	"routes":{"/":{"folder":"/","index":"index.html","public":false},"/public":{"folder":"/pub","public":true}},
	"mobile":{"schema":"cozydrive://","id_playstore":"io.cozy.drive","id_appstore":"x"},
	"accept_from_flagship":true,"accept_documents_from_flagship":{"accepted_mime_types":["*/*"]},"custom":42}`
	cases := []struct {
		name, doc string
		kind      apps.Kind
		field     string // "" means valid; "!" means malformed (ErrManifest)
	}{
		{"full", full, apps.Webapp, ""},
		{"minimal", `{"name":"a","version":"1"}`, apps.Webapp, ""},
		{"konnector", `{"name":"k","version":"1.0.0","type":"konnector","language":"node","fields":{"login":{}}}`, apps.Konnector, ""},
		{"not json", `{"name":`, apps.Webapp, "!"},
		{"array", `[]`, apps.Webapp, "!"},
		{"no name", `{"version":"1"}`, apps.Webapp, "name"},
		{"name type", `{"name":3,"version":"1"}`, apps.Webapp, "name"},
		{"no version", `{"name":"a"}`, apps.Webapp, "version"},
		{"bad version", `{"name":"a","version":"1 2"}`, apps.Webapp, "version"},
		{"bad slug", `{"name":"a","version":"1","slug":"Bad Slug"}`, apps.Webapp, "slug"},
		{"icon climbs", `{"name":"a","version":"1","icon":"../x.svg"}`, apps.Webapp, "icon"},
		{"screenshot climbs", `{"name":"a","version":"1","screenshots":["a/../../b"]}`, apps.Webapp, "screenshots"},
		{"screenshots type", `{"name":"a","version":"1","screenshots":"x"}`, apps.Webapp, "screenshots"},
		{"developer", `{"name":"a","version":"1","developer":{"url":"x"}}`, apps.Webapp, "developer"},
		{"langs", `{"name":"a","version":"1","langs":[""]}`, apps.Webapp, "langs"},
		{"locales", `{"name":"a","version":"1","locales":[]}`, apps.Webapp, "locales"},
		{"platforms", `{"name":"a","version":"1","platforms":[{}]}`, apps.Webapp, "platforms"},
		{"intents", `{"name":"a","version":"1","intents":[{"action":"OPEN"}]}`, apps.Webapp, "intents"},
		{"permissions doctype", `{"name":"a","version":"1","permissions":{"x":{"type":"bad doctype"}}}`, apps.Webapp, "permissions"},
		{"permissions verb", `{"name":"a","version":"1","permissions":{"x":{"type":"io.cozy.files","verbs":["FLY"]}}}`, apps.Webapp, "permissions"},
		{"services type", `{"name":"a","version":"1","services":{"s":{"type":"python","file":"/s.py"}}}`, apps.Webapp, "services"},
		{"services file", `{"name":"a","version":"1","services":{"s":{"type":"node","file":"../s.js"}}}`, apps.Webapp, "services"},
		{"routes path", `{"name":"a","version":"1","routes":{"admin":{"folder":"/"}}}`, apps.Webapp, "routes"},
		{"routes folder", `{"name":"a","version":"1","routes":{"/":{"folder":"/../etc"}}}`, apps.Webapp, "routes"},
		{"routes public type", `{"name":"a","version":"1","routes":{"/":{"folder":"/","public":"yes"}}}`, apps.Webapp, "routes"},
		{"notifications", `{"name":"a","version":"1","notifications":[]}`, apps.Webapp, "notifications"},
		{"mobile", `{"name":"a","version":"1","mobile":"x"}`, apps.Webapp, "mobile"},
		{"flagship", `{"name":"a","version":"1","accept_from_flagship":"yes"}`, apps.Webapp, "accept_from_flagship"},
		{"flagship docs alone", `{"name":"a","version":"1","accept_documents_from_flagship":{}}`, apps.Webapp, "accept_documents_from_flagship"},
		{"license", `{"name":"a","version":"1","license":1}`, apps.Webapp, "license"},
		{"webapp type", `{"name":"a","version":"1","type":"konnector"}`, apps.Webapp, "type"},
		{"konnector language", `{"name":"a","version":"1","language":"python"}`, apps.Konnector, "language"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := apps.ParseManifest([]byte(c.doc), c.kind)
			switch c.field {
			case "":
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if m.Name == "" || m.Version == "" {
					t.Fatalf("parsed %+v", m)
				}
			case "!":
				if !errors.Is(err, apps.ErrManifest) {
					t.Fatalf("got %v, want ErrManifest", err)
				}
			default:
				var fe *apps.FieldError
				if !errors.As(err, &fe) || fe.Field != c.field {
					t.Fatalf("got %v, want an error about %q", err, c.field)
				}
			}
		})
	}
}

func TestManifestKeepsExtraAndDefaults(t *testing.T) {
	m, err := apps.ParseManifest([]byte(`{"name":"a","version":"1","custom":{"x":1},"services":{"s":{"type":"node","file":"/s.js"}}}`), apps.Webapp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !contains(b, `"custom":{"x":1}`) || !contains(b, `"file":"/s.js"`) {
		t.Fatalf("rendered %s", b)
	}
	if r := m.AppRoutes()["/"]; r.Index != "index.html" || r.Public {
		t.Fatalf("default route %+v", r)
	}
}

func TestValidSlug(t *testing.T) {
	for s, ok := range map[string]bool{"drive": true, "my-app_2": true, "": false, "Drive": false, "a.b": false, "-a": false, "a/b": false} {
		if apps.ValidSlug(s) != ok {
			t.Errorf("ValidSlug(%q) != %v", s, ok)
		}
	}
}
