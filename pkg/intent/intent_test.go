package intent

import (
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/permission"
)

func TestHandles(t *testing.T) {
	decl := apps.Intent{Action: "PICK", Type: []string{"io.cozy.files", "image/*"}, Href: "/pick"}
	for _, c := range []struct {
		action, typ string
		want        bool
	}{
		{"PICK", "io.cozy.files", true},
		{"pick", "io.cozy.files", true},
		{"PICK", "image/png", true},
		{"PICK", "imagex/png", false},
		{"PICK", "io.cozy.contacts", false},
		{"OPEN", "io.cozy.files", false},
	} {
		if got := handles(decl, c.action, c.typ); got != c.want {
			t.Errorf("%s %s: %v", c.action, c.typ, got)
		}
	}
}

func TestCovers(t *testing.T) {
	rules, err := permission.ParseScope("io.cozy.files:GET,POST")
	if err != nil {
		t.Fatal(err)
	}
	if !covers(rules, "io.cozy.files", []permission.Verb{permission.GET}) || covers(rules, "io.cozy.files", []permission.Verb{permission.DELETE}) ||
		!covers(nil, "image/png", []permission.Verb{permission.GET}) || !covers(nil, "io.cozy.files", nil) {
		t.Fatal("covers")
	}
}
