package webtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// CozyApps is the folder of the prebuilt Cozy apps the end-to-end tests
// install (<slug>.tar.gz; see its ORIGIN.md): the project's shared
// fixtures beside the repository (../shared/fixtures/cozy-apps), or
// COZY_APPS_FIXTURES. A missing folder fails the test: make test never
// skips them (-short skips the tests that need them).
func CozyApps(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("COZY_APPS_FIXTURES")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0) // web/webtest/fixtures.go
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "fixtures", "cozy-apps")
	}
	if _, err := os.Stat(filepath.Join(dir, "home.tar.gz")); err != nil {
		tb.Fatalf("no Cozy apps fixtures at %s (set COZY_APPS_FIXTURES): %v", dir, err)
	}
	return dir
}
