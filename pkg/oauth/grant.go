package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
)

// code is an authorization code document.
type code struct {
	ID          string    `json:"_id"`
	ClientID    string    `json:"client_id"`
	Scope       string    `json:"scope"`
	Challenge   string    `json:"code_challenge"`
	RedirectURI string    `json:"redirect_uri"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// AuthorizeRequest is a checked authorization request.
type AuthorizeRequest struct {
	ClientID, RedirectURI, State, Scope string
	CodeChallenge, CodeChallengeMethod  string
}

// CheckAuthorize validates an authorization request against its client:
// state mandatory, response_type code, exact redirect_uri, PKCE S256 only,
// a valid permission scope. It returns the client for the consent page.
func (s *Service) CheckAuthorize(ctx context.Context, inst *instance.Instance, r AuthorizeRequest) (*Client, permission.Set, error) {
	c, err := s.Get(ctx, inst, r.ClientID)
	if err != nil {
		return nil, nil, err
	}
	if !c.HasRedirectURI(r.RedirectURI) {
		return nil, nil, fmt.Errorf("%w: redirect_uri is not registered for this client", ErrInvalidRedirectURI)
	}
	if r.State == "" {
		return nil, nil, fmt.Errorf("%w: state is mandatory", ErrInvalidRequest)
	}
	if r.CodeChallengeMethod != "S256" {
		return nil, nil, fmt.Errorf("%w: code_challenge_method must be S256", ErrInvalidRequest)
	}
	if len(r.CodeChallenge) != 43 {
		return nil, nil, fmt.Errorf("%w: code_challenge must be a base64url SHA-256", ErrInvalidRequest)
	}
	if r.Scope == "" {
		return nil, nil, fmt.Errorf("%w: scope is mandatory", ErrInvalidScope)
	}
	rules, err := permission.ParseScope(r.Scope)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidScope, err)
	}
	for _, rule := range rules {
		if err := permission.CheckReadable(rule.Type); err != nil && rule.Type != "io.cozy.permissions" {
			return nil, nil, fmt.Errorf("%w: %w", ErrInvalidScope, err)
		}
	}
	return c, rules, nil
}

// CreateCode stores a single-use authorization code for a checked request.
func (s *Service) CreateCode(ctx context.Context, inst *instance.Instance, r AuthorizeRequest) (string, error) {
	life := s.CodeLifetime
	if life <= 0 {
		life = 10 * time.Minute
	}
	c := code{ID: ident.Hex(24), ClientID: r.ClientID, Scope: r.Scope, Challenge: r.CodeChallenge,
		RedirectURI: r.RedirectURI, ExpiresAt: s.now().Add(life).UTC()}
	db, err := s.db(inst, CodesDoctype)
	if err != nil {
		return "", err
	}
	if _, err := store.PutJSON(ctx, db, c.ID, "", c); err != nil {
		return "", fmt.Errorf("oauth: store code: %w", err)
	}
	if err := s.ClearPending(ctx, inst, r.ClientID); err != nil {
		return "", err
	}
	return c.ID, nil
}

// Tokens is the answer of the token endpoint.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in,omitempty"`
}

// Exchange trades an authorization code for tokens. The code is deleted
// first, so a second use fails even if this one does.
func (s *Service) Exchange(ctx context.Context, inst *instance.Instance, clientID, secret, rawCode, verifier, redirectURI string) (*Tokens, error) {
	c, err := s.Authenticate(ctx, inst, clientID, secret)
	if err != nil {
		return nil, err
	}
	db, err := s.db(inst, CodesDoctype)
	if err != nil {
		return nil, err
	}
	if rawCode == "" || len(rawCode) > 128 {
		return nil, fmt.Errorf("%w: no such code", ErrInvalidGrant)
	}
	var cd code
	rev, found, err := store.GetJSON(ctx, db, rawCode, &cd)
	if err != nil {
		return nil, fmt.Errorf("oauth: read code: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: unknown or used code", ErrInvalidGrant)
	}
	if _, err := db.Delete(ctx, rawCode, rev); err != nil {
		return nil, fmt.Errorf("%w: code already used", ErrInvalidGrant)
	}
	if !s.now().Before(cd.ExpiresAt) {
		return nil, fmt.Errorf("%w: code expired", ErrInvalidGrant)
	}
	if cd.ClientID != c.ID {
		return nil, fmt.Errorf("%w: code of another client", ErrInvalidGrant)
	}
	if cd.RedirectURI != redirectURI {
		return nil, fmt.Errorf("%w: redirect_uri differs from the authorization request", ErrInvalidGrant)
	}
	sum := sha256.Sum256([]byte(verifier))
	if verifier == "" || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(cd.Challenge)) != 1 {
		return nil, fmt.Errorf("%w: code_verifier does not match", ErrInvalidGrant)
	}
	return s.issue(inst, c.ID, cd.Scope, true)
}

// Refresh issues a new access token from a refresh token.
func (s *Service) Refresh(ctx context.Context, inst *instance.Instance, clientID, secret, refresh string) (*Tokens, error) {
	c, err := s.Authenticate(ctx, inst, clientID, secret)
	if err != nil {
		return nil, err
	}
	claims, err := inst.ParseToken(refresh, s.now(), token.Refresh)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGrant, err)
	}
	if claims.Subject != c.ID {
		return nil, fmt.Errorf("%w: refresh token of another client", ErrInvalidGrant)
	}
	return s.issue(inst, c.ID, claims.Scope, false)
}

// issue signs an access token (and a refresh token) for a client.
func (s *Service) issue(inst *instance.Instance, clientID, scope string, withRefresh bool) (*Tokens, error) {
	now := s.now().Unix()
	access, err := inst.IssueClaims(token.Claims{Audience: token.Access, Subject: clientID, Scope: scope, IssuedAt: now})
	if err != nil {
		return nil, fmt.Errorf("oauth: issue: %w", err)
	}
	t := &Tokens{AccessToken: access, TokenType: "bearer", Scope: scope, ExpiresIn: int(token.Access.Lifetime().Seconds())}
	if withRefresh {
		t.RefreshToken, err = inst.IssueClaims(token.Claims{Audience: token.Refresh, Subject: clientID, Scope: scope, IssuedAt: now})
		if err != nil {
			return nil, fmt.Errorf("oauth: issue: %w", err)
		}
	}
	return t, nil
}

// Exists reports whether the client still exists (token resolution).
func (s *Service) Exists(ctx context.Context, inst *instance.Instance, id string) (bool, error) {
	_, err := s.Get(ctx, inst, id)
	if err == nil {
		return true, nil
	}
	if isInvalidClient(err) {
		return false, nil
	}
	return false, err
}
