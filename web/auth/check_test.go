package auth_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/webtest"
)

// behindProxy is a configuration whose X-Forwarded-For is believed from
// the loopback (the test client plays the proxy).
func behindProxy() *config.Config {
	return &config.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

// from is the headers of a JSON login relayed by the proxy for addr.
func from(addr string) map[string]string {
	return map[string]string{"Accept": "application/json", "X-Forwarded-For": addr}
}

// TestAttackDoesNotLockOutOwner (finding 4): 50 wrong passphrases from
// 50 addresses in a few seconds. The owner still logs in from a device
// that logged in before (even behind one of the attacking addresses) and
// from a new address with the right passphrase, while an attacking
// address is soon told to wait (429, Retry-After).
func TestAttackDoesNotLockOutOwner(t *testing.T) {
	e := newEnv(t, behindProxy())
	known := browser(t)
	onboard(t, e, known) // sets the known-device cookie
	e.Run(t, []webtest.Scenario{{Name: "log out", Client: known, Method: "DELETE", URL: "/auth/login",
		Headers: map[string]string{"Origin": e.Inst.Origin()}, ExpectedStatus: http.StatusNoContent}})

	wrong, right := `{"passphrase":"`+secret(t, e, "guess")+`"}`, `{"passphrase":"`+secret(t, e, passphrase)+`"}`
	var attack []webtest.Scenario
	for i := 0; i < session.InstanceLimit; i++ {
		attack = append(attack, webtest.Scenario{Name: fmt.Sprintf("attack %d", i), Method: "POST", URL: "/auth/login",
			Body: wrong, Headers: from(fmt.Sprintf("198.51.100.%d", i+1)), ExpectedStatus: http.StatusUnauthorized})
	}
	e.Run(t, attack)

	e.Run(t, []webtest.Scenario{
		{Name: "known device behind an attacking address", Client: known, Method: "POST", URL: "/auth/login", Body: right,
			Headers: from("198.51.100.7"), ExpectedStatus: http.StatusOK},
		{Name: "known device elsewhere", Client: known, Method: "POST", URL: "/auth/login", Body: right,
			Headers: from("192.0.2.10"), ExpectedStatus: http.StatusOK},
		{Name: "new address, right passphrase", Client: browser(t), Method: "POST", URL: "/auth/login", Body: right,
			Headers: from("203.0.113.50"), ExpectedStatus: http.StatusOK},
	})

	// An attacking address gets a couple more guesses, then must wait,
	// even with the right passphrase.
	attacker := from("198.51.100.8")
	refusedAt := -1
	for i := 0; i < session.UnderAttackAttempts && refusedAt < 0; i++ {
		res, body := e.Do(t, nil, "POST", "/auth/login", "", wrong, attacker)
		switch res.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			refusedAt = i
			if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s <= 0 {
				t.Fatalf("429 without Retry-After: %v %s", res.Header, body)
			}
		default:
			t.Fatalf("attacker: %d %s", res.StatusCode, body)
		}
	}
	if refusedAt < 0 {
		t.Fatalf("an attacking address still guesses after %d more attempts", session.UnderAttackAttempts)
	}
	e.Run(t, []webtest.Scenario{{Name: "attacking address, right passphrase", Method: "POST", URL: "/auth/login", Body: right,
		Headers: attacker, ExpectedStatus: http.StatusTooManyRequests}})
}

// TestForwardedForIgnoredFromUntrustedPeer: without trusted proxies, an
// X-Forwarded-For header does not give each attempt a new address.
func TestForwardedForIgnoredFromUntrustedPeer(t *testing.T) {
	e := newEnv(t, nil)
	onboard(t, e, browser(t))
	wrong := `{"passphrase":"` + secret(t, e, "guess") + `"}`
	var scenarios []webtest.Scenario
	for i := 0; i <= session.AddrFree; i++ {
		scenarios = append(scenarios, webtest.Scenario{Name: "wrong", Method: "POST", URL: "/auth/login", Body: wrong,
			Headers: from(fmt.Sprintf("198.51.100.%d", i+1)), ExpectedStatus: http.StatusUnauthorized})
	}
	scenarios = append(scenarios, webtest.Scenario{Name: "slowed whatever it claims", Method: "POST", URL: "/auth/login", Body: wrong,
		Headers: from("198.51.100.200"), ExpectedStatus: http.StatusTooManyRequests})
	e.Run(t, scenarios)
}
