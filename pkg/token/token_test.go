package token_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/token"
)

var (
	secret      = []byte("0123456789abcdef0123456789abcdef-alice")
	otherSecret = []byte("0123456789abcdef0123456789abcdef-bob..")
	now         = time.Unix(1_800_000_000, 0)
)

func issue(t *testing.T, key []byte, c token.Claims) string {
	t.Helper()
	raw, err := token.Issue(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// forge signs an arbitrary payload, to build tokens Issue refuses to make.
func forge(key []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func TestParse(t *testing.T) {
	iat := now.Add(-time.Minute).Unix()
	good := issue(t, secret, token.Claims{Audience: token.App, Issuer: "alice.example", Subject: "drive", IssuedAt: iat})
	tampered := good[:len(good)-4] + "AAAA"
	parts := strings.Split(good, ".")
	swappedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString(
		[]byte(`{"aud":"cli","iss":"alice.example","iat":1}`)) + "." + parts[2]
	tests := []struct {
		name string
		raw  string
		auds []token.Audience
		err  error
		sub  string
	}{
		{"valid app token", good, nil, nil, "drive"},
		{"valid, audience accepted", good, []token.Audience{token.CLI, token.App}, nil, "drive"},
		{"wrong audience", good, []token.Audience{token.Access}, token.ErrInvalid, ""},
		{"other instance (same secret)", issue(t, secret, token.Claims{Audience: token.App, Issuer: "bob.example", IssuedAt: iat}), nil, token.ErrInvalid, ""},
		{"other instance's secret", issue(t, otherSecret, token.Claims{Audience: token.App, Issuer: "alice.example", IssuedAt: iat}), nil, token.ErrInvalid, ""},
		{"tampered signature", tampered, nil, token.ErrInvalid, ""},
		{"tampered payload", swappedPayload, nil, token.ErrInvalid, ""},
		{"none", "", nil, token.ErrInvalid, ""},
		{"garbage", "not.a.jwt", nil, token.ErrInvalid, ""},
		{"alg none", forge(nil, `{"alg":"none","typ":"JWT"}`, `{"aud":"app","iss":"alice.example","iat":1799999000}`), nil, token.ErrInvalid, ""},
		{"alg HS512", forge(secret, `{"alg":"HS512","typ":"JWT"}`, `{"aud":"app","iss":"alice.example","iat":1799999000}`), nil, token.ErrInvalid, ""},
		{"unknown audience", forge(secret, `{"alg":"HS256","typ":"JWT"}`, `{"aud":"admin","iss":"alice.example","iat":1799999000}`), nil, token.ErrInvalid, ""},
		{"no iat", forge(secret, `{"alg":"HS256","typ":"JWT"}`, `{"aud":"share","iss":"alice.example"}`), nil, token.ErrInvalid, ""},
		{"iat in the future", issue(t, secret, token.Claims{Audience: token.Share, Issuer: "alice.example", IssuedAt: now.Add(time.Hour).Unix()}), nil, token.ErrInvalid, ""},
		{"expired app token", issue(t, secret, token.Claims{Audience: token.App, Issuer: "alice.example", IssuedAt: now.Add(-25 * time.Hour).Unix()}), nil, token.ErrExpired, ""},
		{"expired cli token", issue(t, secret, token.Claims{Audience: token.CLI, Issuer: "alice.example", IssuedAt: now.Add(-31 * time.Minute).Unix()}), nil, token.ErrExpired, ""},
		{"explicit exp passed", issue(t, secret, token.Claims{Audience: token.Share, Issuer: "alice.example", IssuedAt: iat, ExpiresAt: now.Add(-time.Second).Unix()}), nil, token.ErrExpired, ""},
		{"refresh token never expires", issue(t, secret, token.Claims{Audience: token.Refresh, Issuer: "alice.example", IssuedAt: now.Add(-5 * 365 * 24 * time.Hour).Unix(), Subject: "client"}), nil, nil, "client"},
		{"oversized", strings.Repeat("a", token.MaxLength+1), nil, token.ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := token.Parse(secret, "alice.example", tt.raw, now, tt.auds...)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != tt.sub {
				t.Fatalf("sub = %q", c.Subject)
			}
		})
	}
	if token.ErrExpired.Error() != "Expired token" {
		t.Fatal("clients match upstream's message")
	}
}

func TestIssueRefuses(t *testing.T) {
	for _, tc := range []struct {
		key []byte
		c   token.Claims
	}{
		{[]byte("short"), token.Claims{Audience: token.App, Issuer: "a"}},
		{secret, token.Claims{Audience: "root", Issuer: "a"}},
		{secret, token.Claims{Audience: token.App}},
	} {
		if _, err := token.Issue(tc.key, tc.c); err == nil {
			t.Errorf("Issue(%+v) accepted", tc.c)
		}
	}
}

func TestLifetimes(t *testing.T) {
	want := map[token.Audience]time.Duration{
		token.App: 24 * time.Hour, token.CLI: 30 * time.Minute, token.Konnector: 30 * time.Minute,
		token.Access: 7 * 24 * time.Hour, token.Refresh: 0, token.Share: 0, token.Registration: 0,
	}
	for aud, d := range want {
		if got := aud.Lifetime(); got != d {
			t.Errorf("%s: %v, want %v", aud, got, d)
		}
	}
}

func FuzzParse(f *testing.F) {
	good, _ := token.Issue(secret, token.Claims{Audience: token.CLI, Issuer: "alice.example", IssuedAt: now.Unix(), Scope: "io.cozy.files"})
	f.Add(good)
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := token.Parse(secret, "alice.example", raw, now)
		if err == nil && (c.Issuer != "alice.example" || !c.Audience.Known()) {
			t.Fatalf("accepted bad claims %+v", c)
		}
	})
}

// TestParseOfAVerifiedToken: a token parsed once (its signature then
// remembered) is still refused under another secret, for another instance
// or audience, and once expired; a changed claims' copy does not leak.
func TestParseOfAVerifiedToken(t *testing.T) {
	iat := now.Add(-time.Minute).Unix()
	good := issue(t, secret, token.Claims{Audience: token.CLI, Issuer: "alice.example", Scope: "io.cozy.files", IssuedAt: iat})
	for i := 0; i < 2; i++ {
		c, err := token.Parse(secret, "alice.example", good, now)
		if err != nil || c.Scope != "io.cozy.files" {
			t.Fatalf("parse %d: %v %+v", i, err, c)
		}
		c.Scope = "changed by a caller"
	}
	if _, err := token.Parse(otherSecret, "alice.example", good, now); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("other secret: %v", err)
	}
	if _, err := token.Parse(secret, "bob.example", good, now); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("other instance: %v", err)
	}
	if _, err := token.Parse(secret, "alice.example", good, now, token.App); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("other audience: %v", err)
	}
	if _, err := token.Parse(secret, "alice.example", good, now.Add(time.Hour)); !errors.Is(err, token.ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	if _, err := token.Parse(secret, "alice.example", good, time.Unix(iat, 0).Add(-10*time.Minute)); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("issued in the future: %v", err)
	}
}
