package setup_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
)

// TestFirstBootInBrowser runs web/e2e/box-setup-browser.mjs in headless
// Chromium: a fresh box over plain http://cozy.local:PORT (no secure
// context, no WebCrypto), the setup page with the plain HTTP choice, the
// instance's onboarding and login with the vendored PBKDF2, landing on
// the instance. The secret the browser derived is the Go derivation's.
func TestFirstBootInBrowser(t *testing.T) {
	webtest.SkipE2E(t)
	e := newBoxEnv(t, false, "ask")
	start := time.Now()
	out := webtest.Script{Path: "box-setup-browser.mjs", Args: []string{e.url(""), e.Stack.Box.SetupCode()},
		Modules: []string{"playwright-core"}, Browser: true}.Run(t)
	t.Logf("browser run: %s", time.Since(start).Round(100*time.Millisecond))
	var got struct {
		SetupURL, Risk, State, OnboardLink, Subtle, Fallback, LoginURL, Landed string
		SetupSecure, OnboardingSecure, Onboarded, LoggedIn                     bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("browser output %s: %v", out, err)
	}
	base := "http://cozy.local:" + e.Port
	checks := []struct {
		name string
		ok   bool
	}{
		{"the root went to the setup page", got.SetupURL == base+"/box/setup"},
		{"not a secure context", !got.SetupSecure && !got.OnboardingSecure},
		{"the risk of plain HTTP is told", strings.Contains(got.Risk, "anyone on your home network")},
		{"progress says plain http", got.State == "plain http"},
		{"onboarding on the instance", got.OnboardLink == base+"/?registerToken=…"},
		{"no WebCrypto on the onboarding page", got.Subtle == "undefined"},
		{"the fallback is there", got.Fallback == "function"},
		{"onboarded and logged in", got.Onboarded && got.LoggedIn},
		{"logout went to the login page", strings.HasPrefix(got.LoginURL, base+"/auth/login")},
		{"landed on the instance", strings.HasPrefix(got.Landed, base+"/")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %s", c.name, out)
		}
	}
	inst, err := e.Instances.Get(e.Host)
	if err != nil || !inst.OnboardingFinished {
		t.Fatalf("instance %+v: %v", inst, err)
	}
	secret, err := instance.ClientSecret("a passphrase for the box", inst.Host(), inst.KdfIterations)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Instances.CheckSecret(t.Context(), inst, secret); err != nil {
		t.Fatalf("the browser's fallback derivation differs from Go's: %v", err)
	}
	if e.Stack.Box.SetupOpen() {
		t.Fatal("the setup is still open")
	}
}
