package apps_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"

	"sync/atomic"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/apps"
)

// registry serves upstream's registry API for the given packages
// (slug -> tar.gz) on loopback; while down is set, it answers 503.
type fakeRegistry struct {
	*httptest.Server
	down atomic.Bool
	hits chan string // each version request, while down
	pkgs map[string][]byte
}

func newRegistry(t *testing.T, pkgs map[string][]byte) *fakeRegistry {
	r := &fakeRegistry{pkgs: pkgs, hits: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /registry/{slug}/stable/latest", func(w http.ResponseWriter, req *http.Request) {
		slug := req.PathValue("slug")
		if r.down.Load() {
			select {
			case r.hits <- slug:
			default:
			}
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		tgz, ok := r.pkgs[slug]
		if !ok {
			http.NotFound(w, req)
			return
		}
		sum := sha256.Sum256(tgz)
		json.NewEncoder(w).Encode(apps.RegistryVersion{Slug: slug, Type: "webapp", Version: "1.0.0",
			URL: r.URL + "/tarballs/" + slug + ".tgz", Sha256: hex.EncodeToString(sum[:])})
	})
	mux.HandleFunc("GET /tarballs/{file}", func(w http.ResponseWriter, req *http.Request) {
		slug := req.PathValue("file")
		w.Write(r.pkgs[slug[:len(slug)-len(".tgz")]])
	})
	r.Server = httptest.NewServer(mux)
	t.Cleanup(r.Close)
	return r
}

func webappTarball(t *testing.T, slug string) []byte {
	return tarball(t, true,
		entry{name: "manifest.webapp", body: `{"name":"` + slug + `","slug":"` + slug + `","version":"1.0.0","permissions":{}}`},
		entry{name: "index.html", body: "<html></html>"})
}

// TestInstallDefaults: the default apps of a new instance come from the
// registry; when it is unreachable they are retried in the background
// until it answers; an app unknown to the registry is retried too (a
// registry may publish it later) and an invalid slug is an error at once.
func TestInstallDefaults(t *testing.T) {
	e := newEnv(t)
	reg := newRegistry(t, map[string][]byte{"home": webappTarball(t, "home"), "drive": webappTarball(t, "drive")})
	e.mgr.Fetcher.Registries = []string{reg.URL}
	e.mgr.RetryMin, e.mgr.RetryMax = time.Millisecond, 4*time.Millisecond

	pending, err := e.mgr.InstallDefaults(e.ctx, e.inst, []string{"home", "home", "Bad Slug"})
	if len(pending) != 0 || err == nil {
		t.Fatalf("pending %v, err %v", pending, err)
	}
	if a, err := e.mgr.Get(e.ctx, e.inst, apps.Webapp, "home"); err != nil || a.State != apps.Ready {
		t.Fatalf("home: %+v %v", a, err)
	}

	reg.down.Store(true)
	pending, err = e.mgr.InstallDefaults(e.ctx, e.inst, []string{"home", "drive"})
	if err != nil || len(pending) != 1 || pending[0] != "drive" {
		t.Fatalf("registry down: pending %v, err %v", pending, err)
	}
	// One retry while still down, then the registry comes back.
	<-reg.hits
	<-reg.hits
	reg.down.Store(false)
	e.mgr.Wait() // the retries end once drive is installed
	if a, err := e.mgr.Get(e.ctx, e.inst, apps.Webapp, "drive"); err != nil || a.State != apps.Ready || a.Source != "registry://drive/stable" {
		t.Fatalf("drive after the retries: %+v %v", a, err)
	}
}

// TestInstallDefaultsStopsOnClose: retries end with the manager.
func TestInstallDefaultsStopsOnClose(t *testing.T) {
	e := newEnv(t)
	reg := newRegistry(t, nil)
	reg.down.Store(true)
	e.mgr.Fetcher.Registries = []string{reg.URL}
	e.mgr.RetryMin = time.Hour
	if pending, _ := e.mgr.InstallDefaults(e.ctx, e.inst, []string{"home"}); len(pending) != 1 {
		t.Fatalf("pending %v", pending)
	}
	e.mgr.Close() // returns: the retry goroutine stopped
}
