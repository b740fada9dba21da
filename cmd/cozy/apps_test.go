package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
)

func TestAppsCLI(t *testing.T) {
	s, mgr := webtest.Server(t, nil)
	srv := httptest.NewServer(s.AdminHandler())
	t.Cleanup(func() { srv.Close() })
	if _, err := mgr.Create(context.Background(), instance.Options{Domain: "alice.localhost"}); err != nil {
		t.Fatal(err)
	}
	pkg := t.TempDir()
	for name, body := range map[string]string{
		"manifest.webapp":    `{"name":"Notes","version":"1.0.0","permissions":{"n":{"type":"io.cozy.notes"}}}`,
		"manifest.konnector": `{"name":"Bank","version":"2.1.0","type":"konnector"}`,
	} {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("COZY_ADMIN_PASSPHRASE", "")
	t.Setenv("COZY_CONFIG", "")
	d := []string{"--domain", "alice.localhost"}
	tests := []struct {
		args    []string
		wantOut string
		wantErr string
	}{
		{append([]string{"apps", "install", "notes", "file://" + pkg}, d...), `"state": "ready"`, ""},
		{append([]string{"apps", "install", "notes", "file://" + pkg}, d...), "", "already installed"},
		{append([]string{"apps", "ls"}, d...), "notes  1.0.0  ready", ""},
		{append([]string{"apps", "ls", "--json"}, d...), `"slug": "notes"`, ""},
		{append([]string{"apps", "show", "notes"}, d...), `"version": "1.0.0"`, ""},
		{append([]string{"apps", "update", "notes"}, d...), `"state": "ready"`, ""},
		{append([]string{"apps", "uninstall", "notes"}, d...), "web app notes removed", ""},
		{append([]string{"apps", "show", "notes"}, d...), "", "not installed"},
		{append([]string{"konnectors", "install", "bank", "file://" + pkg}, d...), `"version": "2.1.0"`, ""},
		{append([]string{"konnectors", "ls"}, d...), "bank", ""},
		{append([]string{"konnectors", "install", "x", "ftp://nope"}, d...), "", "unsupported scheme"},
		{[]string{"apps", "ls"}, "", "--domain is required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			root := newRootCmd()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(io.Discard)
			root.SetArgs(append(tt.args, "--admin-host", srv.URL))
			err := root.Execute()
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %s, want %q", out.String(), tt.wantOut)
			}
		})
	}
}
