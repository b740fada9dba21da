package admin_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

// updateBox is the part of a booted box the server's stager reads: the
// command line, the release, the trusted key, config.txt and the state
// directory, under a temporary root.
func updateBox(t *testing.T) (string, ed25519.PrivateKey) {
	t.Helper()
	root := t.TempDir()
	pub, key, _ := ed25519.GenerateKey(nil)
	for p, content := range map[string]string{
		"/proc/cmdline":                   "root=LABEL=cozy-root-a ro",
		"/proc/sys/kernel/random/boot_id": "b1\n",
		update.ReleaseFile:                "COZY_VERSION=v1\nCOZY_BOARD=qemu\n",
		update.KeysDir + "/release.pub":   base64.StdEncoding.EncodeToString(pub) + "\n",
		update.BootDir + "/config.txt":    "os_prefix=slot-a/\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		if err := os.WriteFile(filepath.Join(root, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, update.StateDir), 0o755)
	return root, key
}

// makeBundle writes a bundle whose root image is a file with an ext4
// superblock magic (the stager does not mount it).
func makeBundle(t *testing.T, key ed25519.PrivateKey, version, board string) string {
	t.Helper()
	return makeBundleAt(t, key, version, board, time.Time{})
}

// makeBundleAt is makeBundle with the manifest's build date (zero: now).
func makeBundleAt(t *testing.T, key ed25519.PrivateKey, version, board string, created time.Time) string {
	t.Helper()
	dir := t.TempDir()
	boot := filepath.Join(dir, "boot")
	os.MkdirAll(boot, 0o755)
	os.WriteFile(filepath.Join(boot, "vmlinuz"), []byte("kernel"), 0o644)
	os.WriteFile(filepath.Join(boot, "initrd.img"), []byte("initrd"), 0o644)
	os.WriteFile(filepath.Join(boot, "cmdline.txt"), []byte("root=LABEL=cozy-root-@SLOT@ ro\n"), 0o644)
	img := make([]byte, 1<<20)
	binary.LittleEndian.PutUint16(img[1024+0x38:], 0xEF53)
	copy(img[4096:], strings.Repeat("root file system ", 1000))
	os.WriteFile(filepath.Join(dir, "root.ext4"), img, 0o644)
	out := filepath.Join(dir, version+".bundle")
	if _, err := update.WriteBundle(context.Background(), out, update.BundleSpec{Key: key, Board: board, Version: version,
		BootDir: boot, Root: filepath.Join(dir, "root.ext4"), Created: created}); err != nil {
		t.Fatal(err)
	}
	return out
}

func newUpdateAdmin(t *testing.T, root string) (*webtest.Env, string) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := instance.Open(t.TempDir(), passhash.New(fast, 1), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	r := gin.New()
	h := &admin.Handler{Instances: m, Resolver: resolver{}, Log: log}
	if root != "" {
		h.Updates = &update.Stager{System: update.System{Root: root}}
	}
	h.Register(r.Group("/", (&admin.Guard{Passphrase: "p"}).Middleware()))
	return serve(t, r)
}

func TestBoxUpdateAPI(t *testing.T) {
	root, key := updateBox(t)
	e, base := newUpdateAdmin(t, root)
	_, stranger, _ := ed25519.GenerateKey(nil)
	read := func(p string) string {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	good := read(makeBundle(t, key, "v2", "qemu"))
	octet := map[string]string{"Content-Type": "application/octet-stream", "Authorization": basic("p")["Authorization"]}
	staged := filepath.Join(root, update.StateDir, update.StagedFile)
	nothingStaged := func(t *testing.T, _ *http.Response, _ string) {
		if _, err := os.Stat(staged); err == nil {
			t.Fatal("a refused bundle was staged")
		}
		if left, _ := filepath.Glob(filepath.Join(root, update.StateDir, ".staging-*")); len(left) > 0 {
			t.Fatalf("left over: %v", left)
		}
	}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v3.bundle" {
			io.WriteString(w, read(makeBundle(t, key, "v3", "qemu")))
			return
		}
		http.NotFound(w, r)
	}))
	defer files.Close()

	e.Run(t, []webtest.Scenario{
		{Name: "nothing yet", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 200,
			ExpectedContent: []string{`"staging":null`, `"staged":false`, `"state":null`}},
		{Name: "needs the passphrase", Method: "POST", URL: base + "/box/update", Body: good, ExpectedStatus: 401, After: nothingStaged},
		{Name: "unknown key", Method: "POST", URL: base + "/box/update", Body: read(makeBundle(t, stranger, "v2", "qemu")), Headers: octet,
			ExpectedStatus: 422, ExpectedContent: []string{"bad signature"}, After: nothingStaged},
		{Name: "other board", Method: "POST", URL: base + "/box/update", Body: read(makeBundle(t, key, "v2", "rpi4")), Headers: octet,
			ExpectedStatus: 422, ExpectedContent: []string{"for rpi4, this box is qemu"}, After: nothingStaged},
		{Name: "truncated", Method: "POST", URL: base + "/box/update", Body: good[:len(good)-3000], Headers: octet,
			ExpectedStatus: 400, ExpectedContent: []string{"not a valid bundle"}, After: nothingStaged},
		{Name: "not a bundle", Method: "POST", URL: base + "/box/update", Body: "hello", Headers: octet,
			ExpectedStatus: 400, After: nothingStaged},
		{Name: "refusal reported", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 200,
			ExpectedContent: []string{`"phase":"refused"`}},
		{Name: "bad url", Method: "POST", URL: base + "/box/update", Body: `{"url":"file:///etc/passwd"}`, Headers: basic("p"),
			ExpectedStatus: 400, After: nothingStaged},
		{Name: "url not found", Method: "POST", URL: base + "/box/update", Body: `{"url":"` + files.URL + `/nope"}`, Headers: basic("p"),
			ExpectedStatus: 400, ExpectedContent: []string{"HTTP 404"}, After: nothingStaged},
		{Name: "good bundle", Method: "POST", URL: base + "/box/update", Body: good, Headers: octet,
			ExpectedStatus: 202, ExpectedContent: []string{`"staged":true`, `"version":"v2"`, `"board":"qemu"`},
			After: func(t *testing.T, _ *http.Response, _ string) {
				if read(staged) != good {
					t.Fatal("the staged file differs from the bundle")
				}
			}},
		{Name: "reported", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 200,
			ExpectedContent: []string{`"phase":"staged"`, `"staged":true`, `"version":"v2"`, `"done":` + strconv.Itoa(len(good))}},
		{Name: "one at a time", Method: "POST", URL: base + "/box/update", Body: good, Headers: octet,
			ExpectedStatus: 409, ExpectedContent: []string{"waits to be applied"}},
	})
	// The root unit applies it and removes it; a URL is staged the same way.
	os.Remove(staged)
	e.Test(t, webtest.Scenario{Name: "by url", Method: "POST", URL: base + "/box/update", Body: `{"url":"` + files.URL + `/v3.bundle"}`,
		Headers: basic("p"), ExpectedStatus: 202, ExpectedContent: []string{`"version":"v3"`}})
	// The root updater's state shows through.
	fin := time.Date(2026, 12, 3, 7, 30, 0, 0, time.UTC)
	os.WriteFile(filepath.Join(root, update.StateDir, "state.json"), []byte(`{"version":"v2","slot":"b","outcome":"rolled back","error":"not healthy","started":"2026-12-03T07:20:00Z","finished":"`+fin.Format(time.RFC3339)+`"}`), 0o644)
	e.Test(t, webtest.Scenario{Name: "state", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 200,
		ExpectedContent: []string{`"outcome":"rolled back"`, `"error":"not healthy"`}})
	// During a trial boot (slot b runs, config.txt still starts slot a)
	// nothing is staged: `cozy box commit` decides first.
	os.Remove(staged)
	os.WriteFile(filepath.Join(root, "/proc/cmdline"), []byte("root=LABEL=cozy-root-b ro"), 0o644)
	e.Test(t, webtest.Scenario{Name: "trial", Method: "POST", URL: base + "/box/update", Body: good, Headers: octet,
		ExpectedStatus: 409, ExpectedContent: []string{"trial"}, After: nothingStaged})
}

func TestBoxUpdateNotABox(t *testing.T) {
	e, base := newUpdateAdmin(t, "")
	e.Run(t, []webtest.Scenario{
		{Name: "get", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 404},
		{Name: "post", Method: "POST", URL: base + "/box/update", Body: "x", Headers: basic("p"), ExpectedStatus: 404},
	})
}

// TestBoxUpdateDowngrade: a bundle built before the running system is a
// 422 with nothing staged; ?allow_downgrade=true stages it with the
// override recorded for the root updater; the same build needs none.
func TestBoxUpdateDowngrade(t *testing.T) {
	root, key := updateBox(t)
	built := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	os.WriteFile(filepath.Join(root, update.ReleaseFile), []byte("COZY_VERSION=v1\nCOZY_BOARD=qemu\nCOZY_CREATED="+built.Format(time.RFC3339)+"\n"), 0o644)
	e, base := newUpdateAdmin(t, root)
	read := func(p string) string {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	old := read(makeBundleAt(t, key, "v0", "qemu", built.Add(-48*time.Hour)))
	same := read(makeBundleAt(t, key, "v1-again", "qemu", built))
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, old)
	}))
	defer files.Close()
	octet := map[string]string{"Content-Type": "application/octet-stream", "Authorization": basic("p")["Authorization"]}
	staged := filepath.Join(root, update.StateDir, update.StagedFile)
	override := (update.System{Root: root}).StagedOverridePath()
	nothingStaged := func(t *testing.T, _ *http.Response, _ string) {
		for _, p := range []string{staged, override} {
			if _, err := os.Stat(p); err == nil {
				t.Fatalf("%s left after a refusal", filepath.Base(p))
			}
		}
		if left, _ := filepath.Glob(filepath.Join(root, update.StateDir, ".staging-*")); len(left) > 0 {
			t.Fatalf("left over: %v", left)
		}
	}
	unstage := func(t *testing.T, _ *http.Response, _ string) {
		os.Remove(staged) // the root unit applies it and removes both
		os.Remove(override)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "older refused", Method: "POST", URL: base + "/box/update", Body: old, Headers: octet, ExpectedStatus: 422,
			ExpectedContent: []string{"downgrade refused", "cozy v0, built 2026-12-01T07:00:00Z", "cozy v1, built 2026-12-03T07:00:00Z"}, After: nothingStaged},
		{Name: "older by url refused", Method: "POST", URL: base + "/box/update", Body: `{"url":"` + files.URL + `/v0.bundle"}`, Headers: basic("p"),
			ExpectedStatus: 422, ExpectedContent: []string{"downgrade refused"}, After: nothingStaged},
		{Name: "explicit false", Method: "POST", URL: base + "/box/update?allow_downgrade=false", Body: old, Headers: octet, ExpectedStatus: 422, After: nothingStaged},
		{Name: "bad flag", Method: "POST", URL: base + "/box/update?allow_downgrade=please", Body: old, Headers: octet, ExpectedStatus: 400,
			ExpectedContent: []string{"allow_downgrade"}, After: nothingStaged},
		{Name: "refusal reported", Method: "GET", URL: base + "/box/update", Headers: basic("p"), ExpectedStatus: 200,
			ExpectedContent: []string{`"phase":"refused"`, "downgrade refused"}},
		{Name: "override", Method: "POST", URL: base + "/box/update?allow_downgrade=true", Body: old, Headers: octet, ExpectedStatus: 202,
			ExpectedContent: []string{`"version":"v0"`, `"created":"2026-12-01T07:00:00Z"`},
			After: func(t *testing.T, res *http.Response, body string) {
				if read(staged) != old {
					t.Fatal("the staged file differs from the bundle")
				}
				o, err := (update.System{Root: root}).StagedOverride()
				if err != nil || o == nil || o.Version != "v0" || !o.Created.Equal(built.Add(-48*time.Hour)) {
					t.Fatalf("override %+v %v", o, err)
				}
				unstage(t, res, body)
			}},
		{Name: "override by url", Method: "POST", URL: base + "/box/update?allow_downgrade=1", Body: `{"url":"` + files.URL + `/v0.bundle"}`, Headers: basic("p"),
			ExpectedStatus: 202, ExpectedContent: []string{`"version":"v0"`}, After: unstage},
		{Name: "same build", Method: "POST", URL: base + "/box/update", Body: same, Headers: octet, ExpectedStatus: 202,
			ExpectedContent: []string{`"version":"v1-again"`},
			After: func(t *testing.T, _ *http.Response, _ string) {
				if _, err := os.Stat(override); err == nil {
					t.Fatal("an override recorded for a bundle that needs none")
				}
			}},
	})
}
