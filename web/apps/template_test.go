package apps_test

import (
	"strings"
	"testing"

	appsweb "github.com/cozypi/cozy/web/apps"
)

func TestRenderIndex(t *testing.T) {
	data := appsweb.IndexData{Token: "tok.en", Domain: "alice.example.net", Locale: "fr", AppName: `Evil "app" <b>`,
		AppSlug: "drive", AppNamePrefix: "Cozy", AppEditor: "Cozy", IconPath: "icon.svg", SubDomain: "flat",
		Tracking: "false", IsLoggedIn: true}
	cases := []struct {
		name, src string
		want      []string
		err       bool
	}{
		{"values", `<html lang="{{.Locale}}"><p>{{.Domain}} {{.AppSlug}} {{.SubDomain}} {{.AppNamePrefix}} {{.AppEditor}} {{.IconPath}}</p></html>`,
			[]string{`lang="fr"`, "alice.example.net drive flat Cozy Cozy icon.svg"}, false},
		{"token in attribute", `<div data-cozy-token="{{.Token}}"></div>`, []string{`data-cozy-token="tok.en"`}, false},
		{"name escaped", `<title>{{.AppName}}</title>`, []string{"<title>Evil &#34;app&#34; &lt;b&gt;</title>"}, false},
		{"cozy data", `<div data-cozy="{{.CozyData}}"></div>`, []string{`&#34;token&#34;:&#34;tok.en&#34;`, `&#34;isLoggedIn&#34;:true`,
			`&#34;slug&#34;:&#34;drive&#34;`, `&#34;domain&#34;:&#34;alice.example.net&#34;`}, false},
		{"in script", `<script>var d = {{.Domain}};</script>`, []string{`var d = "alice.example.net";`}, false},
		{"no variables", `<p>plain</p>`, []string{"<p>plain</p>"}, false},
		{"empty helpers", `<head>{{.CozyBar}}{{.CozyClientJS}}{{.ThemeCSS}}</head>`, []string{"<head></head>"}, false},
		{"bad template", `<p>{{.Token</p>`, nil, true},
		{"unknown field", `<p>{{.Nope}}</p>`, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := appsweb.RenderIndex([]byte(c.src), data)
			if c.err {
				if err == nil {
					t.Fatalf("rendered %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("%s lacks %s", out, w)
				}
			}
		})
	}
}
