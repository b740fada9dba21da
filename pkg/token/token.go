package token

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audience is the kind of a token, its "aud" claim.
type Audience string

// The audiences of upstream Cozy.
const (
	App          Audience = "app"          // a web app, with the session cookie
	CLI          Audience = "cli"          // the admin command line
	Access       Audience = "access"       // an OAuth2 access token
	Refresh      Audience = "refresh"      // an OAuth2 refresh token
	Konnector    Audience = "konn"         // a konnector run
	Share        Audience = "share"        // a share-by-link code
	Registration Audience = "registration" // an OAuth2 client's management token
)

// Lifetime returns how long a token of the audience lives after it is
// issued; 0 means until revoked.
func (a Audience) Lifetime() time.Duration {
	switch a {
	case App:
		return 24 * time.Hour
	case CLI, Konnector:
		return 30 * time.Minute
	case Access:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Known reports whether a is one of the audiences above.
func (a Audience) Known() bool {
	switch a {
	case App, CLI, Access, Refresh, Konnector, Share, Registration:
		return true
	}
	return false
}

// Errors of Parse. ErrExpired's text is upstream's: clients match it.
var (
	//lint:ignore ST1005 upstream's text, which clients match
	ErrExpired = errors.New("Expired token")
	//lint:ignore ST1005 upstream's text, which clients match
	ErrInvalid = errors.New("Invalid JWT token")
)

// Claims are the claims of a token.
type Claims struct {
	Audience  Audience `json:"aud"`
	Issuer    string   `json:"iss"`
	IssuedAt  int64    `json:"iat"`
	Subject   string   `json:"sub,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	SessionID string   `json:"session_id,omitempty"`
	ExpiresAt int64    `json:"exp,omitempty"`
}

// Expiry returns when the claims stop being valid, or the zero time.
func (c *Claims) Expiry() time.Time {
	var end time.Time
	if life := c.Audience.Lifetime(); life > 0 {
		end = time.Unix(c.IssuedAt, 0).Add(life)
	}
	if c.ExpiresAt != 0 {
		exp := time.Unix(c.ExpiresAt, 0)
		if end.IsZero() || exp.Before(end) {
			end = exp
		}
	}
	return end
}

// jwtClaims adapts Claims to the jwt library; validation of time is ours.
type jwtClaims struct{ Claims }

func (c jwtClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c jwtClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c jwtClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c jwtClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c jwtClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c jwtClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{string(c.Audience)}, nil
}

// MinSecretLength is the shortest signing secret accepted.
const MinSecretLength = 32

// Issue signs claims with secret. IssuedAt defaults to now.
func Issue(secret []byte, c Claims) (string, error) {
	if len(secret) < MinSecretLength {
		return "", fmt.Errorf("token: signing secret too short (%d bytes)", len(secret))
	}
	if !c.Audience.Known() {
		return "", fmt.Errorf("token: unknown audience %q", c.Audience)
	}
	if c.Issuer == "" {
		return "", errors.New("token: no issuer")
	}
	if c.IssuedAt == 0 {
		c.IssuedAt = time.Now().Unix()
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims{c}).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	return signed, nil
}

// MaxLength bounds the size of a token worth parsing.
const MaxLength = 8 << 10

// Parse checks raw against the instance's secret and domain and returns its
// claims. It fails with ErrInvalid for anything malformed, tampered, signed
// by another instance or of another audience than one of auds (none given
// means any), and with ErrExpired for a token past its lifetime.
func Parse(secret []byte, domain, raw string, now time.Time, auds ...Audience) (*Claims, error) {
	if raw == "" || len(raw) > MaxLength {
		return nil, fmt.Errorf("%w: empty or oversized", ErrInvalid)
	}
	key := string(secret) + "\x00" + raw
	c, ok := verified.get(key)
	if !ok {
		_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return secret, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithJSONNumber())
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		verified.put(key, c)
	}
	if c.Issuer != domain {
		return nil, fmt.Errorf("%w: issued for another instance", ErrInvalid)
	}
	if !c.Audience.Known() {
		return nil, fmt.Errorf("%w: unknown audience", ErrInvalid)
	}
	if len(auds) > 0 && !contains(auds, c.Audience) {
		return nil, fmt.Errorf("%w: audience %q not accepted here", ErrInvalid, c.Audience)
	}
	if c.IssuedAt <= 0 || time.Unix(c.IssuedAt, 0).After(now.Add(5*time.Minute)) {
		return nil, fmt.Errorf("%w: bad issue time", ErrInvalid)
	}
	if end := c.Expiry(); !end.IsZero() && !now.Before(end) {
		return nil, ErrExpired
	}
	return &c.Claims, nil
}

func contains(list []Audience, a Audience) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// maxVerified bounds the tokens remembered by verified.
const maxVerified = 4096

// verified remembers the tokens whose signature was checked, with their
// claims, keyed by secret and token: clients send the same token with every
// request, and a map lookup costs far less than decoding the JWT and its
// HMAC. Only signed tokens enter it, so its size follows the tokens the
// server issued; past maxVerified it starts afresh. Every other check of
// Parse (instance, audience, times) runs on each use.
var verified = &verifiedTokens{m: map[string]jwtClaims{}}

type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]jwtClaims
}

func (v *verifiedTokens) get(key string) (jwtClaims, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.m[key]
	return c, ok
}

func (v *verifiedTokens) put(key string, c jwtClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.m) >= maxVerified {
		v.m = map[string]jwtClaims{}
	}
	v.m[key] = c
}
