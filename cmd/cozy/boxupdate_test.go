package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/admin"
	"github.com/gin-gonic/gin"
)

// fakeBox writes a booted box (slot a of board qemu) under a temporary
// root: files stand for the partitions, the boot partition and /proc.
func fakeBox(t *testing.T, pub ed25519.PublicKey) string {
	t.Helper()
	root := t.TempDir()
	img := fakeImage(4 << 20)
	for p, content := range map[string]string{
		"/proc/cmdline":                    "root=LABEL=cozy-root-a ro",
		"/proc/sys/kernel/random/boot_id":  "b1\n",
		update.ReleaseFile:                 "COZY_VERSION=v1\nCOZY_BOARD=qemu\n",
		update.KeysDir + "/release.pub":    base64.StdEncoding.EncodeToString(pub) + "\n",
		update.BootDir + "/config.txt":     "os_prefix=slot-a/\n",
		update.BootDir + "/slot-a/version": "v1\n",
		"/sys/class/block/vda2/partition":  "2\n",
		"/sys/class/block/vda3/partition":  "3\n",
		"/sys/class/block/vda2/size":       "16384\n",
		"/sys/class/block/vda3/size":       "16384\n",
		"/dev/vda2":                        string(img),
		"/dev/vda3":                        "",
	} {
		p = filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "dev/disk/by-label"), 0o755)
	os.Symlink("../../vda2", filepath.Join(root, "dev/disk/by-label/cozy-root-a"))
	os.MkdirAll(filepath.Join(root, update.StateDir), 0o755)
	return root
}

// fakeImage has an ext4 superblock magic: the update code relabels it
// but never mounts it.
func fakeImage(size int) []byte {
	img := make([]byte, size)
	binary.LittleEndian.PutUint16(img[1024+0x38:], 0xEF53)
	copy(img[8192:], strings.Repeat("a root file system ", 500))
	return img
}

// runBox runs the CLI with args and returns what it printed.
func runBox(args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// TestBoxCLI: keygen and bundle on the host, then `cozy box update FILE`
// as a user off the box: the CLI sends the bundle to the admin API, the
// server checks and stages it, the root updater (what cozy-update.service
// runs) applies it, and the CLI follows until the slot is written.
func TestBoxCLI(t *testing.T) {
	t.Setenv("COZY_ADMIN_PASSPHRASE", "")
	t.Setenv("COZY_CONFIG", "")
	dir := t.TempDir()
	run := runBox
	key := filepath.Join(dir, "update")
	if out, err := run("box", "keygen", "-o", key); err != nil || !strings.Contains(out, "update.key") {
		t.Fatalf("keygen: %v %s", err, out)
	}
	if _, err := run("box", "keygen", "-o", key); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("keygen over an existing key: %v", err)
	}
	boot := filepath.Join(dir, "boot")
	os.MkdirAll(boot, 0o755)
	for name, content := range map[string]string{"vmlinuz": "kernel v2", "initrd.img": "initrd v2", "cmdline.txt": "root=LABEL=cozy-root-@SLOT@ ro\n"} {
		os.WriteFile(filepath.Join(boot, name), []byte(content), 0o644)
	}
	img := filepath.Join(dir, "root.ext4")
	os.WriteFile(img, fakeImage(2<<20), 0o644)
	bundle := filepath.Join(dir, "v2.bundle")
	out, err := run("box", "bundle", "-key", key+".key", "-board", "qemu", "-version", "v2", "-kernel", "6.1.0-57-arm64",
		"-boot", boot, "-root", img, "-o", bundle)
	if err != nil || !strings.Contains(out, "wrote "+bundle+": cozy v2 for qemu") {
		t.Fatalf("bundle: %v %s", err, out)
	}
	if _, err := run("box", "bundle", "-key", key+".key", "-board", "qemu"); err == nil || !strings.Contains(err.Error(), "usage:") {
		t.Fatalf("bundle without its flags: %v", err)
	}

	pub, err := update.LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	root := fakeBox(t, pub)
	r := gin.New()
	h := &admin.Handler{Updates: &update.Stager{System: update.System{Root: root}}}
	h.Register(r.Group("/", (&admin.Guard{Dev: true}).Middleware()))
	srv := httptest.NewServer(r)
	defer srv.Close()

	// The root unit: waits for the staged bundle and applies it.
	var reboots []string
	unit := make(chan error, 1)
	go func() {
		u := &update.Updater{System: update.System{Root: root}, Out: io.Discard, Reboot: func(_ context.Context, arg string) error {
			reboots = append(reboots, arg)
			return nil
		}}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(u.StagedPath()); err == nil {
				unit <- applyStaged(context.Background(), u, update.ApplyOptions{})
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		unit <- context.DeadlineExceeded
	}()
	out, err = run("box", "update", bundle, "--admin-host", srv.URL)
	if err != nil {
		t.Fatalf("update: %v\n%s", err, out)
	}
	if err := <-unit; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bundle checked and staged: cozy v2 for qemu", "slot b holds cozy v2; the box reboots to try it"} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %q in\n%s", want, out)
		}
	}
	if len(reboots) != 1 || reboots[0] != "" {
		t.Fatalf("reboots %q", reboots)
	}
	if _, err := os.Stat(filepath.Join(root, update.StateDir, update.StagedFile)); err == nil {
		t.Fatal("the staged bundle was left")
	}
	data, _ := os.ReadFile(filepath.Join(root, update.BootDir, "slot-b/cmdline.txt"))
	if string(data) != "root=LABEL=cozy-root-b ro\n" {
		t.Fatalf("cmdline.txt %q", data)
	}

	// A bundle signed by another key is refused by the server.
	other := filepath.Join(dir, "other")
	run("box", "keygen", "-o", other)
	bad := filepath.Join(dir, "bad.bundle")
	if _, err := run("box", "bundle", "-key", other+".key", "-board", "qemu", "-version", "v3", "-boot", boot, "-root", img, "-o", bad); err != nil {
		t.Fatal(err)
	}
	if _, err := run("box", "update", bad, "--admin-host", srv.URL); err == nil || !strings.Contains(err.Error(), "bad signature") || !strings.Contains(err.Error(), "HTTP 422") {
		t.Fatalf("bad signature: %v", err)
	}
}
