package instance

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/token"
)

// DefaultKdfIterations is the PBKDF2 iteration count of new instances, as
// upstream (December 2023).
const DefaultKdfIterations = 650_000

// Instance is one person's cozy: a domain, its owner's settings and secrets.
type Instance struct {
	ID                 string    `json:"_id"`
	Domain             string    `json:"domain"`
	Prefix             string    `json:"prefix"`
	Locale             string    `json:"locale"`
	TZ                 string    `json:"tz,omitempty"`
	Email              string    `json:"email,omitempty"`
	PublicName         string    `json:"public_name,omitempty"`
	ContextName        string    `json:"context,omitempty"`
	DiskQuota          int64     `json:"disk_quota,omitempty"`
	OnboardingFinished bool      `json:"onboarding_finished"`
	Blocked            bool      `json:"blocked,omitempty"`
	BlockingReason     string    `json:"blocking_reason,omitempty"`
	IndexesVersion     int       `json:"indexes_version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int       `json:"version"` // bumped by every update, rendered as meta.rev

	// PassphraseHash is the Argon2id hash of the client-side derived secret
	// (see ClientSecret); empty until onboarding sets a passphrase.
	PassphraseHash string `json:"passphrase_hash,omitempty"`
	KdfIterations  int    `json:"kdf_iterations"`
	// RegisterToken lets the onboarding page set the first passphrase; it is
	// cleared once used.
	RegisterToken []byte `json:"register_token,omitempty"`
	// TokenSecret signs every JWT of the instance.
	TokenSecret []byte `json:"token_secret"`
	// SessionSecret signs session cookies and CSRF tokens.
	SessionSecret []byte `json:"session_secret"`

	// public is the manager's shared public settings (scheme, sub-domains).
	public *Public
}

// Issue signs a token of this instance.
func (i *Instance) Issue(aud token.Audience, subject, scope string) (string, error) {
	return token.Issue(i.TokenSecret, token.Claims{Audience: aud, Issuer: i.Domain, Subject: subject, Scope: scope})
}

// IssueClaims signs the given claims, with this instance as issuer.
func (i *Instance) IssueClaims(c token.Claims) (string, error) {
	c.Issuer = i.Domain
	return token.Issue(i.TokenSecret, c)
}

// ParseToken checks a token against this instance.
func (i *Instance) ParseToken(raw string, now time.Time, auds ...token.Audience) (*token.Claims, error) {
	return token.Parse(i.TokenSecret, i.Domain, raw, now, auds...)
}

// Host returns the domain without its port, as the passphrase salt uses it.
func (i *Instance) Host() string {
	if h, _, err := net.SplitHostPort(i.Domain); err == nil {
		return h
	}
	return i.Domain
}

// Rev renders the update counter as a CouchDB-like revision.
func (i *Instance) Rev() string { return fmt.Sprintf("%d-%s", i.Version, i.ID[:8]) }

// PassphraseSalt is the client-side PBKDF2 salt: "me@" and the host.
func (i *Instance) PassphraseSalt() string { return "me@" + i.Host() }

// ClientSecret derives, from a clear passphrase, the intermediary secret
// that browsers compute and send instead of the passphrase (upstream's
// scheme): key = PBKDF2-SHA256(passphrase, "me@"+host, iterations);
// secret = base64(PBKDF2-SHA256(key, passphrase, 1)).
func ClientSecret(passphrase, host string, iterations int) (string, error) {
	key, err := pbkdf2.Key(sha256.New, passphrase, []byte("me@"+host), iterations, 32)
	if err != nil {
		return "", fmt.Errorf("instance: derive passphrase: %w", err)
	}
	secret, err := pbkdf2.Key(sha256.New, string(key), []byte(passphrase), 1, 32)
	if err != nil {
		return "", fmt.Errorf("instance: derive passphrase: %w", err)
	}
	return base64.StdEncoding.EncodeToString(secret), nil
}

// NormalizeDomain lowercases a domain, drops a trailing dot and checks that
// it is a host name or address, with an optional port.
func NormalizeDomain(domain string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	host, port := d, ""
	if h, p, err := net.SplitHostPort(d); err == nil {
		host, port = h, p
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
			}
		}
	}
	if port != "" {
		var n int
		if _, err := fmt.Sscanf(port, "%d", &n); err != nil || n < 1 || n > 65535 || fmt.Sprint(n) != port {
			return "", fmt.Errorf("%w: bad port in %q", ErrInvalidDomain, domain)
		}
		return host + ":" + port, nil
	}
	return host, nil
}
