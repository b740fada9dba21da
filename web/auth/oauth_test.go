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

	"github.com/cozypi/cozy/web/webtest"
	"golang.org/x/oauth2"
)

var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestOAuthEndToEnd drives the real server with golang.org/x/oauth2 and
// PKCE: register, authorize through the consent form, exchange, refresh,
// call /data, delete the client, token refused.
func TestOAuthEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	owner := browser(t)
	onboard(t, e, owner)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, http.DefaultClient)
	const redirectURI = "http://127.0.0.1:1/callback"

	res, reg := e.Do(t, nil, "POST", "/auth/register", "",
		`{"redirect_uris":["`+redirectURI+`"],"client_name":"E2E","software_id":"github.com/cozypi/e2e"}`, map[string]string{"Accept": "application/json"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", res.StatusCode, reg)
	}
	var client struct {
		ID    string `json:"client_id"`
		Sec   string `json:"client_secret"`
		RegTk string `json:"registration_access_token"`
	}
	if err := json.Unmarshal([]byte(reg), &client); err != nil || client.ID == "" || client.Sec == "" || client.RegTk == "" {
		t.Fatalf("register body %s: %v", reg, err)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "read client", Method: "GET", URL: "/auth/register/" + client.ID, Token: client.RegTk, ExpectedStatus: 200, ExpectedContent: []string{`"client_name":"E2E"`}},
		{Name: "read client without its token", Method: "GET", URL: "/auth/register/" + client.ID, Token: "nope", ExpectedStatus: 401,
			ExpectedContent: []string{`"error":"invalid_token"`}},
		{Name: "bad metadata", Method: "POST", URL: "/auth/register", Body: `{"redirect_uris":"x"`, ExpectedStatus: 400, ExpectedContent: []string{`"error":"invalid_client_metadata"`}},
		{Name: "unknown grant", Method: "POST", URL: "/auth/access_token", Body: "grant_type=password",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, ExpectedStatus: 400,
			ExpectedContent: []string{`"error":"unsupported_grant_type"`}, ExpectedHeaders: map[string]string{"Cache-Control": "no-store"}},
	})

	conf := &oauth2.Config{ClientID: client.ID, ClientSecret: client.Sec, RedirectURL: redirectURI,
		Scopes:   []string{"io.cozy.contacts"},
		Endpoint: oauth2.Endpoint{AuthURL: e.URL() + "/auth/authorize", TokenURL: e.URL() + "/auth/access_token"}}
	verifier := oauth2.GenerateVerifier()

	// plain PKCE and a missing state are refused without redirecting.
	plain := strings.Replace(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "code_challenge_method=S256", "code_challenge_method=plain", 1)
	if r := send(t, e, owner, "GET", plain, "", ""); r.status != http.StatusBadRequest || r.header.Get("Location") != "" {
		t.Fatalf("plain pkce: %d", r.status)
	}
	if r := send(t, e, owner, "GET", conf.AuthCodeURL("", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("no state: %d", r.status)
	}
	other := *conf
	other.RedirectURL = redirectURI + "/other"
	if r := send(t, e, owner, "GET", other.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("other redirect_uri: %d", r.status)
	}
	// Without a session, the authorize page sends to the login.
	if r := send(t, e, browser(t), "GET", conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), "", ""); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), e.Inst.PageURL("/auth/login?redirect=")) {
		t.Fatalf("anonymous authorize: %d %v", r.status, r.header)
	}

	consent := send(t, e, owner, "GET", conf.AuthCodeURL("the-state", oauth2.S256ChallengeOption(verifier)), "", "")
	if consent.status != 200 || !strings.Contains(consent.body, "E2E") || !strings.Contains(consent.body, "io.cozy.contacts") {
		t.Fatalf("consent page: %d %s", consent.status, consent.body)
	}
	form := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(consent.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	r2 := send(t, e, owner, "POST", e.URL()+"/auth/authorize", "application/x-www-form-urlencoded", form.Encode())
	if r2.status != http.StatusFound {
		t.Fatalf("consent: %d %s", r2.status, r2.body)
	}
	loc, _ := url.Parse(r2.header.Get("Location"))
	if !strings.HasPrefix(loc.String(), redirectURI+"?") || loc.Query().Get("state") != "the-state" {
		t.Fatalf("redirect %s", loc)
	}
	code := loc.Query().Get("code")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Fatal("exchange with a wrong verifier succeeded")
	}
	// That attempt burnt the code: authorize again.
	r2 = send(t, e, owner, "POST", e.URL()+"/auth/authorize", "application/x-www-form-urlencoded", form.Encode())
	loc, _ = url.Parse(r2.header.Get("Location"))
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
	r := send(t, e, api, "POST", e.URL()+"/data/io.cozy.contacts/", "application/json", `{"fullname":"Bob"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("data with the token: %d %s", r.status, r.body)
	}
	if r := send(t, e, api, "POST", e.URL()+"/data/io.cozy.notes.events/", "application/json", `{}`); r.status != http.StatusForbidden {
		t.Fatalf("out of scope: %d", r.status)
	}
	if r := send(t, e, http.DefaultClient, "DELETE", e.URL()+"/auth/register/"+client.ID, "", "", "Authorization", "Bearer "+client.RegTk); r.status != http.StatusNoContent {
		t.Fatalf("delete client: %d %s", r.status, r.body)
	}
	if r := send(t, e, api, "POST", e.URL()+"/data/io.cozy.contacts/", "application/json", `{"fullname":"Eve"}`); r.status != http.StatusUnauthorized {
		t.Fatalf("token after client deletion: %d %s", r.status, r.body)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if _, err := conf.TokenSource(ctx, tok).Token(); err == nil {
		t.Fatal("refresh after client deletion succeeded")
	}
}

type result struct {
	status int
	body   string
	header http.Header
}

// send sends a request with an explicit client (the oauth2 package's
// clients carry their own tokens) and reads the answer.
func send(t *testing.T, e *webtest.Env, c *http.Client, method, u, ctype, body string, hdr ...string) result {
	t.Helper()
	h := map[string]string{}
	if ctype != "" {
		h["Content-Type"] = ctype
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	res, b := e.Do(t, c, method, u, "", body, h)
	return result{res.StatusCode, b, res.Header}
}
