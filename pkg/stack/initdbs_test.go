package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/store"
)

// TestInitialDatabases: every instance's store has upstream's initial
// databases and io.cozy.settings.bitwarden once open, which the apps read
// on their first page (before: 404 "Database does not exist" for
// /data/io.cozy.files/_all_docs?keys=[], 404 for the bitwarden settings).
func TestInitialDatabases(t *testing.T) {
	dir := t.TempDir()
	m := open(t, dir)
	st, err := stack.New(&config.Config{FsURL: dir}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.example"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DB(bitwarden.SettingsDoctype).Get(context.Background(), bitwarden.SettingsID, store.GetOptions{})
	if err != nil || !strings.Contains(string(d.Body), `"extension_installed":false`) {
		t.Fatalf("%s %v", d.Body, err)
	}
	res, err := s.DB("io.cozy.files").AllDocs(context.Background(), store.AllDocsOptions{Keys: []string{}})
	if err != nil || len(res.Rows) != 0 {
		t.Fatalf("io.cozy.files: %+v %v", res, err)
	}
}
