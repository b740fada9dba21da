package webtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

func TestServer(t *testing.T) {
	s, mgr := webtest.Server(t, nil)
	if s.Config.Subdomains != config.SubdomainsFlat || s.Config.FsURL == "" {
		t.Fatalf("defaults: %+v", s.Config)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/status")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/status: %v %v", res, err)
	}
	res.Body.Close()
	if len(mgr.List()) != 0 {
		t.Fatal("a new server has no instance")
	}
}
