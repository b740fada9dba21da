package remote_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/remote"
)

func TestOrigin(t *testing.T) {
	cases := map[string]string{
		"http://Example.ORG/x":         "http://example.org:80",
		"https://example.org:443/":     "https://example.org:443",
		"https://example.org":          "https://example.org:443",
		"http://127.0.0.1:8080/a?b":    "http://127.0.0.1:8080",
		"git://[::1]/repo":             "git://[::1]:9418",
		"/relative":                    "",
		"mailto:someone@example.org":   "",
		"http://user:pw@example.org/x": "http://example.org:80",
	}
	for raw, want := range cases {
		u, _ := url.Parse(raw)
		if got := remote.Origin(u); got != want {
			t.Errorf("Origin(%s) = %q, want %q", raw, got, want)
		}
	}
}

// TestGuarded checks that a trusted origin on loopback is reached, that
// another loopback server is refused, also behind a redirect from the
// trusted one, and that a body over the cap fails.
func TestGuarded(t *testing.T) {
	untrusted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer untrusted.Close()
	trusted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, untrusted.URL+"/", http.StatusFound)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2048)))
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer trusted.Close()
	if _, err := remote.NewGuarded(remote.ClientConfig{}, []string{"not a url"}); err == nil {
		t.Fatal("an unparsable trusted origin was accepted")
	}
	g, err := remote.NewGuarded(remote.ClientConfig{MaxResponseBytes: 1024, AllowCustomPort: true}, []string{trusted.URL + "/registry/"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.CloseIdleConnections()
	c := g.HTTPClient()
	get := func(u string) (string, error) {
		res, err := c.Get(u)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return string(b), err
	}
	if body, err := get(trusted.URL + "/"); err != nil || body != "ok" {
		t.Fatalf("trusted: %q %v", body, err)
	}
	if _, err := get(untrusted.URL + "/"); !errors.Is(err, remote.ErrBlockedDestination) {
		t.Fatalf("untrusted loopback: %v", err)
	}
	if _, err := get(trusted.URL + "/redirect"); !errors.Is(err, remote.ErrBlockedDestination) {
		t.Fatalf("redirect to untrusted loopback: %v", err)
	}
	if _, err := get(trusted.URL + "/big"); !errors.Is(err, remote.ErrResponseTooLarge) {
		t.Fatalf("body over the cap: %v", err)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "10.1.2.3", "[::1]", "2130706433"} {
		if err := g.CheckHost(context.Background(), host); !errors.Is(err, remote.ErrBlockedDestination) {
			t.Errorf("CheckHost(%s): %v", host, err)
		}
	}
	if err := g.CheckHost(context.Background(), "93.184.215.14"); err != nil {
		t.Errorf("CheckHost(public address): %v", err)
	}
}
