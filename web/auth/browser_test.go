package auth_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowser runs web/e2e/auth-browser.mjs in headless Chromium against
// the real server: onboarding sets a passphrase, logout, a wrong
// passphrase shows an error, login; the session cookie's flags are checked.
func TestBrowser(t *testing.T) {
	e2e, _ := filepath.Abs("../e2e")
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is missing in web/e2e: run make test-deps (%v)", err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed: run make test-deps (%v)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run make test-deps (%v)", err)
	}
	e := newEnv(t)
	link := e.srv.URL + "/?registerToken=" + hex.EncodeToString(e.inst.RegisterToken)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(e2e, "auth-browser.mjs"), e.srv.URL, link)
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("browser run: %v\n%s\n%s", err, out, stderr)
	}
	var got struct {
		Mismatch  string
		Onboarded bool
		Cookie    *struct {
			HTTPOnly bool   `json:"httpOnly"`
			SameSite string `json:"sameSite"`
			Secure   bool   `json:"secure"`
			Path     string `json:"path"`
		}
		LoggedOut bool
		Wrong     string
		LoggedIn  bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("browser output %s: %v", out, err)
	}
	if got.Mismatch != "The two passphrases differ." || !got.Onboarded || !got.LoggedOut || !got.LoggedIn {
		t.Fatalf("browser saw %s", out)
	}
	if !strings.Contains(got.Wrong, "Wrong passphrase") {
		t.Fatalf("wrong passphrase message %q", got.Wrong)
	}
	if got.Cookie == nil || !got.Cookie.HTTPOnly || got.Cookie.SameSite != "Lax" || got.Cookie.Secure || got.Cookie.Path != "/" {
		t.Fatalf("cookie flags %s", out)
	}
	inst := e.current(t)
	if !inst.OnboardingFinished || inst.KdfIterations == 0 {
		t.Fatalf("instance not onboarded: %+v", inst)
	}
	// The browser's secret is the one the Go derivation computes.
	secret, _ := instanceSecret(inst.Host(), inst.KdfIterations)
	if err := e.mgr.CheckSecret(context.Background(), inst, secret); err != nil {
		t.Fatalf("WebCrypto and Go derivations differ: %v", err)
	}
}
