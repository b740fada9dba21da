package permstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
)

func TestMayManage(t *testing.T) {
	share := &permission.Permission{ID: "s1", Type: permission.TypeShareByLink, SourceID: "io.cozy.apps/drive", Rules: rules(t, "io.cozy.files:GET:a")}
	app := &permission.Permission{ID: "io.cozy.apps/drive", Type: permission.TypeApp, SourceID: "io.cozy.apps/drive", Rules: rules(t, "io.cozy.files")}
	tests := []struct {
		name string
		cur  *permission.Permission
		doc  *permission.Permission
		v    permission.Verb
		ok   bool
	}{
		{"holder of io.cozy.permissions", &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.permissions")}, app, permission.DELETE, true},
		{"creator", &permission.Permission{Type: permission.TypeApp, SourceID: "io.cozy.apps/drive"}, share, permission.PATCH, true},
		{"covering token", &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files")}, share, permission.PATCH, true},
		{"covering token on an app's permission", &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files")}, app, permission.GET, false},
		{"the share itself reads", &permission.Permission{ID: "s1", Type: permission.TypeShareByLink, Rules: share.Rules}, share, permission.GET, true},
		{"the share itself patches", &permission.Permission{ID: "s1", Type: permission.TypeShareByLink, Rules: share.Rules}, share, permission.PATCH, false},
		{"another token", &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.contacts")}, share, permission.GET, false},
	}
	for _, tt := range tests {
		err := permstore.MayManage(tt.cur, tt.doc, tt.v)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, permission.ErrForbidden)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestPatchApply(t *testing.T) {
	owner := &permission.Permission{Type: permission.TypeCLI, Rules: rules(t, "io.cozy.files io.cozy.events:GET")}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := &permission.Permission{Type: permission.TypeShareByLink, Rules: rules(t, "io.cozy.files:GET:a"),
		Codes: map[string]string{"bob": "1", "jane": "2"}, ShortCodes: map[string]string{"bob": "s1", "jane": "s2"}, ExpiresAt: &exp}
	add := rules(t, "io.cozy.events:GET:ev1")
	add[0].Title = "cal"
	if err := (permstore.Patch{Add: add, Codes: map[string]string{"bob": ""}, SetExpiry: true}).Apply(owner, doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rules) != 2 || doc.Rules[0].Title != "rule0" || len(doc.Codes) != 1 || len(doc.ShortCodes) != 1 || doc.ExpiresAt != nil {
		t.Fatalf("patched: %+v", doc)
	}
	if err := (permstore.Patch{Add: rules(t, "io.cozy.contacts")}).Apply(owner, doc); !errors.Is(err, permission.ErrForbidden) {
		t.Fatalf("beyond the token: %v", err)
	}
	if err := (permstore.Patch{Remove: []string{"rule0", "cal"}}).Apply(owner, doc); !errors.Is(err, permstore.ErrInvalid) {
		t.Fatalf("no rule left: %v", err)
	}
}

func TestSharedVerbs(t *testing.T) {
	shares := []*permission.Permission{
		{Rules: rules(t, "io.cozy.files:GET:a,b")},
		{Rules: rules(t, "io.cozy.files:PUT:b io.cozy.events:GET:b")},
	}
	if v := permstore.SharedVerbs(shares, "io.cozy.files", "b"); v != permission.VerbSet(0)|verbs(t, "GET,PUT") {
		t.Errorf("b: %v", v)
	}
	if v := permstore.SharedVerbs(shares, "io.cozy.files", "c"); v != 0 {
		t.Errorf("c: %v", v)
	}
	if n := len(permstore.OnDoctype(shares, "io.cozy.events")); n != 1 {
		t.Errorf("on events: %d", n)
	}
}

func verbs(t *testing.T, list string) permission.VerbSet {
	t.Helper()
	r := rules(t, "io.cozy.files:"+list)
	return r[0].Verbs
}
