package remote

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// upstreamCount is the number of remote doctypes in the shipped upstream set.
const upstreamCount = 57

func TestEmbeddedDefinitionsAllParse(t *testing.T) {
	sub, err := fs.Sub(embedded, "doctypes")
	if err != nil {
		t.Fatal(err)
	}
	names, err := listDoctypes(sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != upstreamCount {
		t.Fatalf("embedded doctypes = %d, want %d", len(names), upstreamCount)
	}
	verbs := map[string]int{}
	for _, n := range names {
		def, err := loadDefinition(sub, n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		verbs[def.Verb]++
		// Every definition renders once each variable has a value.
		params, secrets := map[string]string{}, map[string]string{}
		for _, v := range def.Variables() {
			params[v] = "v"
		}
		for _, k := range def.SecretNames() {
			secrets[k] = "s"
		}
		if _, err := Render(def, params, secrets); err != nil {
			t.Errorf("%s: Render: %v", n, err)
		}
	}
	// Upstream's set: 37 GET and 20 POST definitions.
	if verbs["GET"] != 37 || verbs["POST"] != 20 {
		t.Errorf("verbs = %v, want 37 GET and 20 POST", verbs)
	}
}

func TestRegistryEmbedded(t *testing.T) {
	r, err := NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	names, err := r.Doctypes()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != upstreamCount || !slices.IsSorted(names) {
		t.Fatalf("Doctypes = %d names (sorted %v)", len(names), slices.IsSorted(names))
	}
	def, err := r.Definition("org.wikidata.entity")
	if err != nil {
		t.Fatal(err)
	}
	if def.Doctype != "org.wikidata.entity" || def.RawURL != "https://www.wikidata.org/wiki/Special:EntityData/{{entity}}.json" {
		t.Errorf("definition = %s %s", def.Doctype, def.RawURL)
	}
	for _, bad := range []string{"io.cozy.files", "", "../etc/passwd", "org.wikidata.entity/request", ".hidden", "ORG.WIKIDATA.ENTITY", "a..b"} {
		if _, err := r.Definition(bad); !errors.Is(err, ErrDoctypeNotFound) {
			t.Errorf("Definition(%q) error = %v, want ErrDoctypeNotFound", bad, err)
		}
	}
}

func TestRegistryOverride(t *testing.T) {
	r, err := NewRegistry(filepath.Join("testdata", "override"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doctype string
		rawURL  string
		wantErr error
	}{
		{"org.wikidata.entity", "https://dev.example/entity/{{entity}}", nil},                                                           // overridden
		{"org.example.dev", "https://dev.example/api", nil},                                                                             // added
		{"org.wikidata.search", "https://www.wikidata.org/w/api.php?action=wbsearchentities&search={{q}}&language=en&format=json", nil}, // embedded
		{"org.example.broken", "", ErrInvalidDefinition},
		{"not-a-doctype-dir", "", ErrDoctypeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.doctype, func(t *testing.T) {
			def, err := r.Definition(tt.doctype)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if def.RawURL != tt.rawURL || def.Doctype != tt.doctype {
				t.Errorf("got %s %s", def.Doctype, def.RawURL)
			}
		})
	}
	names, err := r.Doctypes()
	if err != nil {
		t.Fatal(err)
	}
	// The two new directories with a request file are listed once each.
	if len(names) != upstreamCount+2 || !slices.Contains(names, "org.example.dev") ||
		slices.Contains(names, "not-a-doctype-dir") {
		t.Errorf("Doctypes = %d names: %v", len(names), names)
	}
}

func TestRegistryOverrideCannotEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, "org.evil"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "org.evil", "request"), []byte("GET https://evil.example/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "org.evil"), filepath.Join(dir, "org.evil")); err != nil {
		t.Fatal(err)
	}
	r, err := NewRegistry(dir)
	if err != nil {
		t.Fatal(err)
	}
	if def, err := r.Definition("org.evil"); err == nil {
		t.Fatalf("symlink out of the directory followed: %s", def.RawURL)
	}
}

func TestNewRegistryMissingDir(t *testing.T) {
	if _, err := NewRegistry(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("NewRegistry on a missing directory succeeded")
	}
}

func TestValidDoctype(t *testing.T) {
	tests := map[string]bool{
		"org.wikidata.entity": true, "org.musicbrainz.release-group": true, "cc.cozycloud.dacc_v2": true,
		"": false, ".x": false, "a/b": false, "a..b": false, "A.b": false, "a b": false, "-a": false,
	}
	for in, want := range tests {
		if got := ValidDoctype(in); got != want {
			t.Errorf("ValidDoctype(%q) = %v, want %v", in, got, want)
		}
	}
}
