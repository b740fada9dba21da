package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstanceURL(t *testing.T) {
	tests := []struct {
		dev    bool
		domain string
		want   string
	}{
		{false, "alice.example.net", "https://alice.example.net"},
		{true, "alice.example.net", "http://alice.example.net"},
		{false, "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{false, "localhost", "http://localhost"},
		{false, "cozy.lan:8443", "http://cozy.lan:8443"},
	}
	for _, tc := range tests {
		if got := InstanceURL(tc.dev, tc.domain); got != tc.want {
			t.Errorf("InstanceURL(%v, %q) = %q, want %q", tc.dev, tc.domain, got, tc.want)
		}
	}
}

func TestReadScript(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "notes", "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes", "services", "a.js"), []byte("x()"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("no"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readScript(dir, "notes", "services/a.js")
	if err != nil || string(got) != "x()" {
		t.Fatalf("read %q %v", got, err)
	}
	bad := []struct{ slug, file, want string }{
		{"notes", "../../secret", "not found"}, // cleaned to notes/secret
		{"..", "secret", "invalid app slug"},
		{"a/b", "x.js", "invalid app slug"},
		{"notes", "", "invalid service file"},
		{"notes", "services", "not a regular file"},
		{"notes", "missing.js", "not found"},
	}
	for _, tc := range bad {
		if _, err := readScript(dir, tc.slug, tc.file); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%s: %v, want %q", tc.slug, tc.file, err, tc.want)
		}
	}
}
