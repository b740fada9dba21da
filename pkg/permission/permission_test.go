package permission_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
)

func mustScope(t *testing.T, s string) permission.Set {
	t.Helper()
	set, err := permission.ParseScope(s)
	if err != nil {
		t.Fatalf("ParseScope(%q): %v", s, err)
	}
	return set
}

// TestDecisionMatrix runs every holder kind against whole-doctype, id and
// selector rules, for every verb, allowed and denied.
func TestDecisionMatrix(t *testing.T) {
	kinds := []permission.Type{
		permission.TypeApp, permission.TypeKonnector, permission.TypeOAuth, permission.TypeCLI,
		permission.TypeShareByLink, permission.TypeSharePreview, permission.TypeShareInteract,
	}
	event := permission.MapDoc{"_id": "ev1", "calendar": "cal1", "tags": []any{"x", "y"}}
	otherEvent := permission.MapDoc{"_id": "ev2", "calendar": "cal2"}
	type check struct {
		name    string
		scope   string
		verb    permission.Verb
		doctype string
		whole   bool              // decide on the whole doctype
		id      string            // decide by id
		doc     permission.MapDoc // decide on a document
		allow   bool
	}
	checks := []check{
		{"whole type, GET whole", "io.cozy.contacts", permission.GET, "io.cozy.contacts", true, "", nil, true},
		{"whole type, DELETE id", "io.cozy.contacts", permission.DELETE, "io.cozy.contacts", false, "c1", nil, true},
		{"whole type, other doctype", "io.cozy.contacts", permission.GET, "io.cozy.events", true, "", nil, false},
		{"GET only, POST denied", "io.cozy.contacts:GET", permission.POST, "io.cozy.contacts", true, "", nil, false},
		{"GET only, HEAD allowed", "io.cozy.contacts:GET", "HEAD", "io.cozy.contacts", true, "", nil, true},
		{"GET,POST, PATCH denied", "io.cozy.contacts:GET,POST", permission.PATCH, "io.cozy.contacts", false, "c1", nil, false},
		{"ALL verbs, PUT", "io.cozy.contacts:ALL", permission.PUT, "io.cozy.contacts", true, "", nil, true},
		{"ids, listed id", "io.cozy.contacts:GET:c1,c2", permission.GET, "io.cozy.contacts", false, "c2", nil, true},
		{"ids, other id", "io.cozy.contacts:GET:c1,c2", permission.GET, "io.cozy.contacts", false, "c3", nil, false},
		{"ids, whole denied", "io.cozy.contacts:GET:c1", permission.GET, "io.cozy.contacts", true, "", nil, false},
		{"ids, wrong verb", "io.cozy.contacts:GET:c1", permission.DELETE, "io.cozy.contacts", false, "c1", nil, false},
		{"selector, matching doc", "io.cozy.events:GET:cal1:calendar", permission.GET, "io.cozy.events", false, "", event, true},
		{"selector, other doc", "io.cozy.events:GET:cal1:calendar", permission.GET, "io.cozy.events", false, "", otherEvent, false},
		{"selector, by id alone denied", "io.cozy.events:GET:cal1:calendar", permission.GET, "io.cozy.events", false, "ev1", nil, false},
		{"selector on list field", "io.cozy.events:GET:y:tags", permission.GET, "io.cozy.events", false, "", event, true},
		{"selector, wrong verb", "io.cozy.events:GET:cal1:calendar", permission.PUT, "io.cozy.events", false, "", event, false},
		{"wildcard covers base", "io.cozy.bank.*", permission.GET, "io.cozy.bank", true, "", nil, true},
		{"wildcard covers child", "io.cozy.bank.*", permission.POST, "io.cozy.bank.accounts.stats", true, "", nil, true},
		{"wildcard not sibling", "io.cozy.bank.*", permission.GET, "io.cozy.banking", true, "", nil, false},
		{"two rules, second allows", "io.cozy.files:GET io.cozy.contacts", permission.DELETE, "io.cozy.contacts", false, "c1", nil, true},
	}
	for _, kind := range kinds {
		for _, c := range checks {
			t.Run(fmt.Sprintf("%s/%s", kind, c.name), func(t *testing.T) {
				p := &permission.Permission{Type: kind, Rules: mustScope(t, c.scope)}
				var err error
				switch {
				case c.whole:
					err = p.Allow(c.verb, c.doctype)
				case c.doc != nil:
					err = p.AllowDoc(c.verb, c.doctype, c.doc)
				default:
					err = p.AllowID(c.verb, c.doctype, c.id)
				}
				if c.allow && err != nil {
					t.Fatalf("want allowed, got %v", err)
				}
				if !c.allow && !errors.Is(err, permission.ErrForbidden) {
					t.Fatalf("want ErrForbidden, got %v", err)
				}
			})
		}
	}
}

type file struct {
	id      string
	parents []string
}

func (f file) DocID() string               { return f.id }
func (f file) FieldValues(string) []string { return nil }
func (f file) AncestorIDs() []string       { return f.parents }

func TestNestedDocsInheritFromAncestor(t *testing.T) {
	p := &permission.Permission{Type: permission.TypeShareByLink, Rules: mustScope(t, "io.cozy.files:GET:dir1")}
	if err := p.AllowDoc(permission.GET, "io.cozy.files", file{"f1", []string{"root", "dir1"}}); err != nil {
		t.Fatalf("file inside shared dir: %v", err)
	}
	if err := p.AllowDoc(permission.GET, "io.cozy.files", file{"f2", []string{"root", "dir2"}}); err == nil {
		t.Fatal("file outside shared dir allowed")
	}
}

func TestAllowSome(t *testing.T) {
	p := &permission.Permission{Type: permission.TypeOAuth, Rules: mustScope(t, "io.cozy.events:GET:cal1:calendar")}
	if err := p.AllowSome(permission.GET, "io.cozy.events"); err != nil {
		t.Fatal(err)
	}
	if err := p.AllowSome(permission.POST, "io.cozy.events"); err == nil {
		t.Fatal("POST allowed")
	}
}

func TestExpired(t *testing.T) {
	past := time.Now().Add(-time.Minute)
	p := &permission.Permission{ExpiresAt: &past}
	if !p.Expired(time.Now()) {
		t.Fatal("not expired")
	}
	if (&permission.Permission{}).Expired(time.Now()) {
		t.Fatal("no expiry but expired")
	}
}

func TestDataAPIReservedDoctypes(t *testing.T) {
	all := &permission.Permission{Type: permission.TypeCLI, Rules: mustScope(t,
		"io.cozy.files io.cozy.permissions io.cozy.contacts io.cozy.apps io.cozy.sessions")}
	tests := []struct {
		verb    permission.Verb
		doctype string
		allow   bool
	}{
		{permission.GET, "io.cozy.contacts", true},
		{permission.POST, "io.cozy.contacts", true},
		{permission.GET, "io.cozy.files", true},
		{permission.POST, "io.cozy.files", false},
		{permission.DELETE, "io.cozy.apps", false},
		{permission.GET, "io.cozy.permissions", false},
		{permission.PUT, "io.cozy.sessions", false},
		{permission.GET, "Not.A.Doctype", false},
	}
	for _, tt := range tests {
		err := permission.CheckDataWhole(all, tt.verb, tt.doctype)
		if tt.allow != (err == nil) {
			t.Errorf("%s %s: allow=%v, err=%v", tt.verb, tt.doctype, tt.allow, err)
		}
	}
	err := permission.CheckDataWhole(all, permission.PUT, "io.cozy.files")
	if !errors.Is(err, permission.ErrReservedDoctype) || err.Error() != "reserved doctype io.cozy.files is unwritable" {
		t.Fatalf("message: %v", err)
	}
}

// TestDataDesign: on a doctype only the server writes, the design documents
// a client made may be deleted or copied with the verb on the whole doctype;
// the server's own never; elsewhere the usual data rules.
func TestDataDesign(t *testing.T) {
	whole := &permission.Permission{Type: permission.TypeCLI, Rules: mustScope(t, "io.cozy.files io.cozy.contacts")}
	readOnly := &permission.Permission{Type: permission.TypeCLI, Rules: mustScope(t, "io.cozy.files:GET")}
	tests := []struct {
		p       *permission.Permission
		verb    permission.Verb
		doctype string
		ddoc    string
		allow   bool
	}{
		{whole, permission.DELETE, "io.cozy.files", "_design/mine", true},
		{whole, permission.POST, "io.cozy.files", "_design/mine", true},
		{whole, permission.PUT, "io.cozy.files", "_design/mine", false},
		{whole, permission.DELETE, "io.cozy.files", "_design/by-path", false},
		{whole, permission.POST, "io.cozy.files", "_design/by-dir-id-name", false},
		{whole, permission.DELETE, "io.cozy.contacts", "_design/by-path", true},
		{whole, permission.GET, "io.cozy.files", "_design/by-path", true},
		{whole, permission.DELETE, "io.cozy.permissions", "_design/x", false},
		{readOnly, permission.DELETE, "io.cozy.files", "_design/mine", false},
		{readOnly, permission.GET, "io.cozy.files", "_design/mine", true},
	}
	for _, tt := range tests {
		err := permission.CheckDataDesign(tt.p, tt.verb, tt.doctype, tt.ddoc)
		if tt.allow != (err == nil) {
			t.Errorf("%s %s %s: allow=%v, err=%v", tt.verb, tt.doctype, tt.ddoc, tt.allow, err)
		}
	}
}
