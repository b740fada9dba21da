package auth_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestOAuthEndToEnd drives the real server with golang.org/x/oauth2 and
// PKCE: register, authorize through the consent form, exchange, refresh,
// call /data, delete the client, token refused.
func TestOAuthEndToEnd(t *testing.T) {
	e := newEnv(t)
	browser := e.client(t)
	e.onboard(t, browser)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	const redirectURI = "http://127.0.0.1:1/callback"

	reg := do(t, e.srv.Client(), "POST", e.srv.URL+"/auth/register", "application/json",
		`{"redirect_uris":["`+redirectURI+`"],"client_name":"E2E","software_id":"github.com/cozypi/e2e"}`, "Accept", "application/json")
	if reg.status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.status, reg.body)
	}
	var client struct {
		ID    string `json:"client_id"`
		Sec   string `json:"client_secret"`
		RegTk string `json:"registration_access_token"`
	}
	if err := json.Unmarshal([]byte(reg.body), &client); err != nil || client.ID == "" || client.Sec == "" || client.RegTk == "" {
		t.Fatalf("register body %s: %v", reg.body, err)
	}
	if r := do(t, e.srv.Client(), "GET", e.srv.URL+"/auth/register/"+client.ID, "", "", "Authorization", "Bearer "+client.RegTk); r.status != 200 {
		t.Fatalf("read client: %d", r.status)
	}
	if r := do(t, e.srv.Client(), "GET", e.srv.URL+"/auth/register/"+client.ID, "", "", "Authorization", "Bearer nope"); r.status != 401 {
		t.Fatalf("read client without token: %d", r.status)
	}

	conf := &oauth2.Config{ClientID: client.ID, ClientSecret: client.Sec, RedirectURL: redirectURI,
		Scopes:   []string{"io.cozy.contacts"},
		Endpoint: oauth2.Endpoint{AuthURL: e.srv.URL + "/auth/authorize", TokenURL: e.srv.URL + "/auth/access_token"}}
	verifier := oauth2.GenerateVerifier()

	// plain PKCE and a missing state are refused without redirecting.
	plain := strings.Replace(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "code_challenge_method=S256", "code_challenge_method=plain", 1)
	if r := do(t, browser, "GET", plain, "", ""); r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
		t.Fatalf("plain pkce: %d", r.status)
	}
	if r := do(t, browser, "GET", conf.AuthCodeURL("", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("no state: %d", r.status)
	}
	other := *conf
	other.RedirectURL = redirectURI + "/other"
	if r := do(t, browser, "GET", other.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("other redirect_uri: %d", r.status)
	}
	// Without a session, the authorize page sends to the login.
	if r := do(t, e.client(t), "GET", conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/auth/login?redirect=") {
		t.Fatalf("anonymous authorize: %d %v", r.status, r.header)
	}

	consent := do(t, browser, "GET", conf.AuthCodeURL("the-state", oauth2.S256ChallengeOption(verifier)), "", "")
	if consent.status != 200 || !strings.Contains(consent.body, "E2E") || !strings.Contains(consent.body, "io.cozy.contacts") {
		t.Fatalf("consent page: %d %s", consent.status, consent.body)
	}
	form := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(consent.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	res := do(t, browser, "POST", e.srv.URL+"/auth/authorize", "application/x-www-form-urlencoded", form.Encode())
	if res.status != http.StatusFound {
		t.Fatalf("consent: %d %s", res.status, res.body)
	}
	loc, _ := url.Parse(res.header.Get("Location"))
	if !strings.HasPrefix(loc.String(), redirectURI+"?") || loc.Query().Get("state") != "the-state" {
		t.Fatalf("redirect %s", loc)
	}
	code := loc.Query().Get("code")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Fatal("exchange with a wrong verifier succeeded")
	}
	// That attempt burnt the code: authorize again.
	res = do(t, browser, "POST", e.srv.URL+"/auth/authorize", "application/x-www-form-urlencoded", form.Encode())
	loc, _ = url.Parse(res.header.Get("Location"))
	code = loc.Query().Get("code")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("code used twice")
	}
	if tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token %+v", tok)
	}
	// Refresh through the token source by expiring the access token.
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == "" || fresh.RefreshToken != tok.RefreshToken {
		t.Fatalf("refreshed %+v", fresh)
	}
	api := conf.Client(ctx, fresh)
	r := do(t, api, "POST", e.srv.URL+"/data/io.cozy.contacts/", "application/json", `{"fullname":"Bob"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("data with the token: %d %s", r.status, r.body)
	}
	if r := do(t, api, "POST", e.srv.URL+"/data/io.cozy.notes.events/", "application/json", `{}`); r.status != http.StatusForbidden {
		t.Fatalf("out of scope: %d", r.status)
	}
	if r := do(t, e.srv.Client(), "DELETE", e.srv.URL+"/auth/register/"+client.ID, "", "", "Authorization", "Bearer "+client.RegTk); r.status != http.StatusNoContent {
		t.Fatalf("delete client: %d %s", r.status, r.body)
	}
	if r := do(t, api, "POST", e.srv.URL+"/data/io.cozy.contacts/", "application/json", `{"fullname":"Eve"}`); r.status != http.StatusUnauthorized {
		t.Fatalf("token after client deletion: %d %s", r.status, r.body)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if _, err := conf.TokenSource(ctx, tok).Token(); err == nil {
		t.Fatal("refresh after client deletion succeeded")
	}
}
