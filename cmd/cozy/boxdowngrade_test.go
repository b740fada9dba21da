package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/admin"
	"github.com/gin-gonic/gin"
)

// TestBoxUpdateDowngrade: a bundle packed with an older SOURCE_DATE_EPOCH
// than the box's COZY_CREATED is refused by the server (the CLI shows the
// 422) and by the root updater, whether given a file or finding it staged
// without the server's override; --allow-downgrade installs it both ways.
func TestBoxUpdateDowngrade(t *testing.T) {
	t.Setenv("COZY_ADMIN_PASSPHRASE", "")
	t.Setenv("COZY_CONFIG", "")
	dir := t.TempDir()
	run := runBox
	key := filepath.Join(dir, "update")
	if _, err := run("box", "keygen", "-o", key); err != nil {
		t.Fatal(err)
	}
	boot := filepath.Join(dir, "boot")
	os.MkdirAll(boot, 0o755)
	for name, content := range map[string]string{"vmlinuz": "kernel v0", "initrd.img": "initrd v0", "cmdline.txt": "root=LABEL=cozy-root-@SLOT@ ro\n"} {
		os.WriteFile(filepath.Join(boot, name), []byte(content), 0o644)
	}
	img := filepath.Join(dir, "root.ext4")
	os.WriteFile(img, fakeImage(2<<20), 0o644)
	built := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	bundle := func(version string, epoch string) (string, error) {
		t.Setenv("SOURCE_DATE_EPOCH", epoch)
		out := filepath.Join(dir, version+".bundle")
		_, err := run("box", "bundle", "-key", key+".key", "-board", "qemu", "-version", version, "-boot", boot, "-root", img, "-o", out)
		return out, err
	}
	old, err := bundle("v0", strconv.FormatInt(built.Add(-48*time.Hour).Unix(), 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundle("bad", "last tuesday"); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Fatalf("a bad SOURCE_DATE_EPOCH: %v", err)
	}
	pub, err := update.LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	newBox := func() (string, *update.Updater) {
		root := fakeBox(t, pub)
		os.WriteFile(filepath.Join(root, update.ReleaseFile), []byte("COZY_VERSION=v1\nCOZY_BOARD=qemu\nCOZY_CREATED="+built.Format(time.RFC3339)+"\n"), 0o644)
		return root, &update.Updater{System: update.System{Root: root}, Out: io.Discard, Reboot: func(context.Context, string) error { return nil }}
	}
	slotVersion := func(root string) string {
		data, _ := os.ReadFile(filepath.Join(root, update.BootDir, "slot-b/version"))
		return string(data)
	}

	// The root's own way: refused, then allowed by the flag.
	root, u := newBox()
	if err := applyFrom(context.Background(), u, old, update.ApplyOptions{NoReboot: true}); !errors.Is(err, update.ErrDowngrade) ||
		!strings.Contains(err.Error(), "cozy v0, built 2026-12-01T07:00:00Z") {
		t.Fatalf("root, no flag: %v", err)
	}
	if v := slotVersion(root); v != "" {
		t.Fatalf("refused, yet slot b holds %q", v)
	}
	if err := applyFrom(context.Background(), u, old, update.ApplyOptions{NoReboot: true, AllowDowngrade: true}); err != nil {
		t.Fatalf("root, --allow-downgrade: %v", err)
	}
	if v := slotVersion(root); v != "v0\n" {
		t.Fatalf("slot b holds %q", v)
	}
	if _, err := run("box", "update", "--staged", "--allow-downgrade"); err == nil || !strings.Contains(err.Error(), "--allow-downgrade goes with FILE|URL") {
		t.Fatalf("--staged --allow-downgrade: %v", err)
	}

	// A bundle put where the server stages, without its override (a
	// server that skipped its check): the root updater refuses it too.
	root, u = newBox()
	data, _ := os.ReadFile(old)
	os.WriteFile(u.StagedPath(), data, 0o644)
	if err := applyStaged(context.Background(), u, update.ApplyOptions{}); !errors.Is(err, update.ErrDowngrade) {
		t.Fatalf("staged without override: %v", err)
	}
	if _, err := os.Stat(u.StagedPath()); err == nil {
		t.Fatal("the refused staged bundle was left")
	}
	if v := slotVersion(root); v != "" {
		t.Fatalf("refused, yet slot b holds %q", v)
	}

	// Through the admin API: a 422 with nothing staged, then the flag.
	r := gin.New()
	h := &admin.Handler{Updates: &update.Stager{System: u.System}}
	h.Register(r.Group("/", (&admin.Guard{Dev: true}).Middleware()))
	srv := httptest.NewServer(r)
	defer srv.Close()
	if _, err := run("box", "update", old, "--admin-host", srv.URL); err == nil || !strings.Contains(err.Error(), "downgrade refused") || !strings.Contains(err.Error(), "HTTP 422") {
		t.Fatalf("through the API, no flag: %v", err)
	}
	if _, err := os.Stat(u.StagedPath()); err == nil {
		t.Fatal("a refused bundle was staged")
	}
	unit := make(chan error, 1)
	go func() { // the root unit: waits for the staged bundle and applies it
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(u.StagedPath()); err == nil {
				unit <- applyStaged(context.Background(), u, update.ApplyOptions{NoReboot: true})
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		unit <- context.DeadlineExceeded
	}()
	out, err := run("box", "update", "--allow-downgrade", old, "--admin-host", srv.URL)
	if err != nil {
		t.Fatalf("through the API, --allow-downgrade: %v\n%s", err, out)
	}
	if err := <-unit; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "slot b holds cozy v0") {
		t.Fatalf("output:\n%s", out)
	}
	if v := slotVersion(root); v != "v0\n" {
		t.Fatalf("slot b holds %q", v)
	}
	if _, err := os.Stat(u.StagedOverridePath()); err == nil {
		t.Fatal("the override was left after the apply")
	}
}
