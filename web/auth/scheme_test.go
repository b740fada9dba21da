package auth_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/webtest"
)

// records is a slog handler's output, read back as JSON records.
type records struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *records) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// find returns attribute attr of the first record matching the others.
func (r *records) find(attr string, match map[string]string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, line := range strings.Split(r.buf.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		ok := true
		for k, v := range match {
			if fmt.Sprint(rec[k]) != v {
				ok = false
			}
		}
		if ok {
			return fmt.Sprint(rec[attr])
		}
	}
	return ""
}

// newLoggedEnv is webtest.NewEnv with the server's log kept (webtest's
// discards it) and nested sub-domains (testapp.localhost:PORT resolves
// to the instance).
func newLoggedEnv(t *testing.T, cfg *config.Config) (*webtest.Env, *records) {
	t.Helper()
	cfg.FsURL = t.TempDir()
	cfg.Subdomains = config.SubdomainsNested
	if cfg.Scheme == "" && !cfg.Dev {
		cfg.Scheme = "http"
	}
	logs := &records{}
	mgr := webtest.Instances(t, cfg.FsURL)
	s := webtest.NewServer(t, cfg, mgr, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	domain := strings.Replace(strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1", "localhost", 1)
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: domain, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &webtest.Env{Server: s, Instances: mgr, HTTP: srv, Inst: inst, Client: &http.Client{Jar: jar}}, logs
}

// schemeRow is what one configuration gives.
type schemeRow struct {
	cookie, hsts, appCSP, handOff, registration, client, throttleKey string
}

// TestSchemeTable: the configuration alone decides the scheme of cookies,
// HSTS, app origins, hand-off links and registration links; behind a
// trusted proxy the client's address is the forwarded one, and the same
// headers from an untrusted peer are ignored.
func TestSchemeTable(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	forwarded := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
	cases := []struct {
		name string
		cfg  *config.Config
		hdr  map[string]string
		want schemeRow
	}{
		{"--dev", &config.Config{Dev: true}, nil,
			schemeRow{"HttpOnly SameSite=Lax", "", "http://", "http://", "http://", "127.0.0.1", "127.0.0.1"}},
		{"scheme: https", &config.Config{Scheme: "https"}, nil,
			schemeRow{"Secure HttpOnly SameSite=Lax", "max-age=31536000; includeSubDomains", "https://", "https://", "https://", "127.0.0.1", "127.0.0.1"}},
		{"trusted proxy", &config.Config{Scheme: "https", TrustedProxies: proxy}, forwarded,
			schemeRow{"Secure HttpOnly SameSite=Lax", "max-age=31536000; includeSubDomains", "https://", "https://", "https://", "203.0.113.7", "203.0.113.7"}},
		{"untrusted peer", &config.Config{Scheme: "https"}, forwarded,
			schemeRow{"Secure HttpOnly SameSite=Lax", "max-age=31536000; includeSubDomains", "https://", "https://", "https://", "127.0.0.1", "127.0.0.1"}},
	}
	table := []string{fmt.Sprintf("%-15s | %-28s | %-5s | %-8s | %-8s | %-8s | %-11s | %s", "configuration", "session cookie", "HSTS", "app CSP", "hand-off", "register", "access log", "throttle key")}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := schemeRowOf(t, tc.cfg, tc.hdr)
			table = append(table, fmt.Sprintf("%-15s | %-28s | %-5v | %-8s | %-8s | %-8s | %-11s | %s", tc.name, got.cookie, got.hsts != "",
				got.appCSP, got.handOff, got.registration, got.client, got.throttleKey))
			check := func(column, got, want string) {
				if got != want {
					t.Errorf("%s = %q, want %q", column, got, want)
				}
			}
			check("session cookie", got.cookie, tc.want.cookie)
			check("HSTS", got.hsts, tc.want.hsts)
			check("app CSP origin", got.appCSP, tc.want.appCSP)
			check("hand-off Location", got.handOff, tc.want.handOff)
			check("registration link", got.registration, tc.want.registration)
			check("access log client", got.client, tc.want.client)
			check("throttle key", got.throttleKey, tc.want.throttleKey)
		})
	}
	t.Log("\n" + strings.Join(table, "\n"))
}

// schemeRowOf runs one configuration: registration link, onboarding, a
// wrong then a right login (hdr added, as a proxy would), an app
// installed, its hand-off and its page.
func schemeRowOf(t *testing.T, cfg *config.Config, hdr map[string]string) schemeRow {
	e, logs := newLoggedEnv(t, cfg)
	var row schemeRow
	origin := func(u string) string { s, _, _ := strings.Cut(u, e.Inst.Domain); return s }
	link := auth.RegistrationURL(e.Inst)
	if want := "/?registerToken=" + hex.EncodeToString(e.Inst.RegisterToken); !strings.HasSuffix(link, e.Inst.Domain+want) {
		t.Fatalf("registration link %q", link)
	}
	row.registration = origin(link)
	onboard(t, e, nil)

	with := func(more map[string]string) map[string]string {
		h := map[string]string{"Accept": "application/json"}
		for k, v := range hdr {
			h[k] = v
		}
		for k, v := range more {
			h[k] = v
		}
		return h
	}
	if res, body := e.Do(t, nil, "POST", "/auth/login", "", `{"passphrase":"`+secret(t, e, "wrong")+`"}`, with(nil)); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong login: %d %s", res.StatusCode, body)
	}
	res, body := e.Do(t, nil, "POST", "/auth/login", "", `{"passphrase":"`+secret(t, e, passphrase)+`"}`, with(nil))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	row.hsts = res.Header.Get("Strict-Transport-Security")
	sess, device := setCookie(res, "cozysessid"), setCookie(res, "cozydevice")
	if sess == nil || device == nil {
		t.Fatalf("no session or device cookie: %v", res.Header)
	}
	res, _ = e.Do(t, nil, "GET", "/auth/login", "", "", hdr)
	csrf := setCookie(res, "_csrf")
	if csrf == nil || device.Secure != e.Inst.Secure() || csrf.Secure != e.Inst.Secure() || !device.HttpOnly || !csrf.HttpOnly {
		t.Errorf("device cookie %+v, CSRF cookie %+v: Secure must be %v", device, csrf, e.Inst.Secure())
	}
	var flags []string
	if sess.Secure {
		flags = append(flags, "Secure")
	}
	if sess.HttpOnly {
		flags = append(flags, "HttpOnly")
	}
	flags = append(flags, map[http.SameSite]string{http.SameSiteLaxMode: "SameSite=Lax", http.SameSiteStrictMode: "SameSite=Strict"}[sess.SameSite])
	row.cookie = strings.Join(flags, " ")
	cookie := map[string]string{"Cookie": "cozysessid=" + sess.Value}

	src, _ := filepath.Abs("../apps/testdata/testapp")
	if res, body := e.Do(t, nil, "POST", "/apps/testapp?Source="+url.QueryEscape("file://"+src), e.Token(t, "io.cozy.apps"), "", nil); res.StatusCode != http.StatusAccepted {
		t.Fatalf("install: %d %s", res.StatusCode, body)
	}
	e.Server.Apps.Wait()
	res, body = e.Do(t, nil, "GET", "/apps/testapp/session?redirect=/", "", "", with(cookie))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("hand-off: %d %s", res.StatusCode, body)
	}
	if loc := res.Header.Get("Location"); strings.Contains(loc, "://"+e.Inst.AppHost("testapp")+"/") {
		row.handOff, _, _ = strings.Cut(loc, e.Inst.AppHost("testapp"))
	} else {
		t.Fatalf("hand-off to %q", loc)
	}
	res, body = e.Do(t, nil, "GET", "/", "", "", with(map[string]string{"Cookie": cookie["Cookie"], "Host": e.Inst.AppHost("testapp")}))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("app page: %d %s", res.StatusCode, body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if _, rest, ok := strings.Cut(csp, "default-src 'self' "); ok && strings.Contains(rest, e.Inst.Domain) {
		row.appCSP, _, _ = strings.Cut(rest, e.Inst.Domain)
	} else {
		t.Fatalf("app CSP %q", csp)
	}

	row.client = logs.find("client", map[string]string{"msg": "request", "method": "POST", "path": "/auth/login"})
	row.throttleKey = logs.find("key", map[string]string{"msg": "wrong passphrase"})
	return row
}

// setCookie is the cookie name set by res, or nil.
func setCookie(res *http.Response, name string) *http.Cookie {
	for _, line := range res.Header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
			return c
		}
	}
	return nil
}
