package auth_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/webtest"
)

// TestBrowser runs web/e2e/auth-browser.mjs in headless Chromium against
// the real server: onboarding sets a passphrase, logout, a wrong
// passphrase shows an error, login; the session cookie's flags are checked.
func TestBrowser(t *testing.T) {
	e := newEnv(t, nil)
	out := webtest.Script{Path: "auth-browser.mjs", Args: []string{e.URL(), auth.RegistrationURL(e.Inst)},
		Modules: []string{"playwright-core"}, Browser: true}.Run(t)
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
	inst := current(t, e)
	if !inst.OnboardingFinished || inst.KdfIterations == 0 {
		t.Fatalf("instance not onboarded: %+v", inst)
	}
	// The browser's secret is the one the Go derivation computes.
	secret, _ := instanceSecret(inst.Host(), inst.KdfIterations)
	if err := e.Instances.CheckSecret(context.Background(), inst, secret); err != nil {
		t.Fatalf("WebCrypto and Go derivations differ: %v", err)
	}
}
