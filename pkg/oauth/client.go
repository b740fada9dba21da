package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
)

// Doctypes of the documents this package keeps.
const (
	ClientsDoctype = "io.cozy.oauth.clients"
	CodesDoctype   = "io.cozy.oauth.access_codes"
)

// Errors, with the RFC 6749 / 7591 error codes as text.
var (
	ErrInvalidClient        = errors.New("invalid_client")
	ErrInvalidRedirectURI   = errors.New("invalid_redirect_uri")
	ErrInvalidClientMeta    = errors.New("invalid_client_metadata")
	ErrInvalidGrant         = errors.New("invalid_grant")
	ErrInvalidRequest       = errors.New("invalid_request")
	ErrUnsupportedGrantType = errors.New("unsupported_grant_type")
	ErrInvalidScope         = errors.New("invalid_scope")
	// ErrInvalidToken is RFC 6750's: a registration access token that is
	// missing, expired or not the client's.
	ErrInvalidToken = errors.New("invalid_token")
)

// Client is a registered OAuth client, as RFC 7591 describes it.
type Client struct {
	ID                string    `json:"client_id"`
	Secret            string    `json:"client_secret,omitempty"`
	SecretExpiresAt   int       `json:"client_secret_expires_at"`
	RegistrationToken string    `json:"registration_access_token,omitempty"`
	RedirectURIs      []string  `json:"redirect_uris"`
	GrantTypes        []string  `json:"grant_types"`
	ResponseTypes     []string  `json:"response_types"`
	ClientName        string    `json:"client_name"`
	ClientKind        string    `json:"client_kind,omitempty"`
	ClientURI         string    `json:"client_uri,omitempty"`
	LogoURI           string    `json:"logo_uri,omitempty"`
	PolicyURI         string    `json:"policy_uri,omitempty"`
	SoftwareID        string    `json:"software_id"`
	SoftwareVersion   string    `json:"software_version,omitempty"`
	AllowLoginScope   bool      `json:"allow_login_scope,omitempty"`
	CreatedAt         time.Time `json:"created_at,omitzero"`
	// SynchronizedAt is when the client last said it synchronized.
	SynchronizedAt time.Time `json:"synchronized_at,omitzero"`
	// Pending is true from a dynamic registration until an access code is
	// made for the client; the clean-clients worker deletes a client still
	// pending an hour after it registered (upstream's rule).
	Pending bool `json:"pending,omitempty"`
	// Rev is the store revision; not part of the RFC document.
	Rev string `json:"-"`
}

// stored is the document as kept in the store.
type stored struct {
	Client
	DocID string `json:"_id"`
}

// Metadata is what a client sends to register or update itself.
type Metadata struct {
	RedirectURIs    []string `json:"redirect_uris"`
	ClientName      string   `json:"client_name"`
	ClientKind      string   `json:"client_kind"`
	ClientURI       string   `json:"client_uri"`
	LogoURI         string   `json:"logo_uri"`
	PolicyURI       string   `json:"policy_uri"`
	SoftwareID      string   `json:"software_id"`
	SoftwareVersion string   `json:"software_version"`
	ClientID        string   `json:"client_id,omitempty"`     // on update, must match
	ClientSecret    string   `json:"client_secret,omitempty"` // on update, must match when given
}

// Service manages clients, codes and tokens.
type Service struct {
	Stores Opener
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CodeLifetime is how long an authorization code lasts (default 10 min).
	CodeLifetime time.Duration
}

// New returns a Service over the instances' document stores.
func New(stores Opener) *Service { return &Service{Stores: stores} }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

const maxField = 1024

// validate checks registration metadata.
func (m *Metadata) validate() error {
	if len(m.RedirectURIs) == 0 {
		return fmt.Errorf("%w: redirect_uris is mandatory", ErrInvalidRedirectURI)
	}
	if len(m.RedirectURIs) > 10 {
		return fmt.Errorf("%w: too many redirect_uris", ErrInvalidRedirectURI)
	}
	for _, raw := range m.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil || len(raw) > maxField || u.Scheme == "" || u.Fragment != "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			return fmt.Errorf("%w: %q", ErrInvalidRedirectURI, raw)
		}
		if s := strings.ToLower(u.Scheme); s == "javascript" || s == "data" || s == "file" {
			return fmt.Errorf("%w: scheme %q refused", ErrInvalidRedirectURI, u.Scheme)
		}
	}
	if strings.TrimSpace(m.ClientName) == "" {
		return fmt.Errorf("%w: client_name is mandatory", ErrInvalidClientMeta)
	}
	if strings.TrimSpace(m.SoftwareID) == "" {
		return fmt.Errorf("%w: software_id is mandatory", ErrInvalidClientMeta)
	}
	for _, f := range []string{m.ClientName, m.ClientKind, m.ClientURI, m.LogoURI, m.PolicyURI, m.SoftwareID, m.SoftwareVersion} {
		if len(f) > maxField {
			return fmt.Errorf("%w: field too long", ErrInvalidClientMeta)
		}
	}
	return nil
}

func (c *Client) apply(m *Metadata) {
	c.RedirectURIs = append([]string(nil), m.RedirectURIs...)
	c.ClientName, c.ClientKind, c.ClientURI = m.ClientName, m.ClientKind, m.ClientURI
	c.LogoURI, c.PolicyURI = m.LogoURI, m.PolicyURI
	c.SoftwareID, c.SoftwareVersion = m.SoftwareID, m.SoftwareVersion
}

// Register creates a client. The returned client carries its secret and a
// registration access token (a JWT of audience "registration").
func (s *Service) Register(ctx context.Context, inst *instance.Instance, m Metadata, allowLogin bool) (*Client, error) {
	return s.register(ctx, inst, m, allowLogin, true)
}

// RegisterByOwner registers a client for the owner (the admin command
// line): it is in use from the start, never pending.
func (s *Service) RegisterByOwner(ctx context.Context, inst *instance.Instance, m Metadata, allowLogin bool) (*Client, error) {
	return s.register(ctx, inst, m, allowLogin, false)
}

func (s *Service) register(ctx context.Context, inst *instance.Instance, m Metadata, allowLogin, pending bool) (*Client, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		ID:              ident.Hex(16),
		Secret:          ident.Hex(24),
		GrantTypes:      []string{"authorization_code", "refresh_token"},
		ResponseTypes:   []string{"code"},
		AllowLoginScope: allowLogin,
		CreatedAt:       s.now().UTC().Truncate(time.Second),
		Pending:         pending,
	}
	c.apply(&m)
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return nil, err
	}
	rev, err := store.PutJSON(ctx, db, c.ID, "", stored{Client: *c, DocID: c.ID})
	if err != nil {
		return nil, fmt.Errorf("oauth: register client: %w", err)
	}
	c.Rev = rev
	tok, err := inst.IssueClaims(token.Claims{Audience: token.Registration, Subject: c.ID, IssuedAt: s.now().Unix()})
	if err != nil {
		return nil, fmt.Errorf("oauth: registration token: %w", err)
	}
	c.RegistrationToken = tok
	return c, nil
}

// Get returns a client; ErrInvalidClient when it does not exist.
func (s *Service) Get(ctx context.Context, inst *instance.Instance, id string) (*Client, error) {
	if id == "" || len(id) > 128 {
		return nil, fmt.Errorf("%w: no such client", ErrInvalidClient)
	}
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return nil, err
	}
	var st stored
	rev, found, err := store.GetJSON(ctx, db, id, &st)
	if err != nil {
		return nil, fmt.Errorf("oauth: get client: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: no such client", ErrInvalidClient)
	}
	c := st.Client
	c.Rev = rev
	return &c, nil
}

// Authenticate returns the client id if secret is its secret.
func (s *Service) Authenticate(ctx context.Context, inst *instance.Instance, id, secret string) (*Client, error) {
	c, err := s.Get(ctx, inst, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, fmt.Errorf("%w: bad client secret", ErrInvalidClient)
	}
	return c, nil
}

// CheckRegistrationToken verifies a registration access token for client id.
func (s *Service) CheckRegistrationToken(inst *instance.Instance, id, raw string) error {
	claims, err := inst.ParseToken(raw, s.now(), token.Registration)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(claims.Subject), []byte(id)) != 1 {
		return fmt.Errorf("%w: %w: registration token of another client", ErrInvalidToken, token.ErrInvalid)
	}
	return nil
}

// Update replaces a client's metadata (RFC 7592 PUT).
func (s *Service) Update(ctx context.Context, inst *instance.Instance, id string, m Metadata) (*Client, error) {
	c, err := s.Get(ctx, inst, id)
	if err != nil {
		return nil, err
	}
	if m.ClientID != "" && m.ClientID != id {
		return nil, fmt.Errorf("%w: client_id does not match", ErrInvalidClientMeta)
	}
	if m.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(m.ClientSecret), []byte(c.Secret)) != 1 {
		return nil, fmt.Errorf("%w: client_secret does not match", ErrInvalidClient)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	c.apply(&m)
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return nil, err
	}
	rev, err := store.PutJSON(ctx, db, c.ID, c.Rev, stored{Client: *c, DocID: c.ID})
	if err != nil {
		return nil, fmt.Errorf("oauth: update client: %w", err)
	}
	c.Rev = rev
	return c, nil
}

// Synchronized records that the client synchronized now
// (POST /settings/synchronized).
func (s *Service) Synchronized(ctx context.Context, inst *instance.Instance, id string) error {
	c, err := s.Get(ctx, inst, id)
	if err != nil {
		return err
	}
	c.SynchronizedAt = s.now().UTC().Truncate(time.Second)
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return err
	}
	if _, err := store.PutJSON(ctx, db, c.ID, c.Rev, stored{Client: *c, DocID: c.ID}); err != nil {
		return fmt.Errorf("oauth: record synchronization: %w", err)
	}
	return nil
}

// Delete removes a client; its tokens stop working at once.
func (s *Service) Delete(ctx context.Context, inst *instance.Instance, id string) error {
	c, err := s.Get(ctx, inst, id)
	if err != nil {
		return err
	}
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return err
	}
	if _, err := db.Delete(ctx, c.ID, c.Rev); err != nil {
		return fmt.Errorf("oauth: delete client: %w", err)
	}
	return nil
}

// List returns every client (secrets included: callers strip them).
func (s *Service) List(ctx context.Context, inst *instance.Instance) ([]*Client, error) {
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return nil, err
	}
	var out []*Client
	err = store.EachDoc(ctx, db, func(_, rev string, body json.RawMessage) error {
		var st stored
		if err := json.Unmarshal(body, &st); err != nil {
			return err
		}
		c := st.Client
		c.Rev = rev
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	return out, nil
}

// HasRedirectURI reports whether uri is exactly one of the client's.
func (c *Client) HasRedirectURI(uri string) bool {
	for _, u := range c.RedirectURIs {
		if u == uri {
			return true
		}
	}
	return false
}

// ClearPending marks a client as in use, so that clean-clients keeps it:
// an access code was made for it, or the owner created it by hand.
func (s *Service) ClearPending(ctx context.Context, inst *instance.Instance, id string) error {
	c, err := s.Get(ctx, inst, id)
	if err != nil || !c.Pending {
		return err
	}
	c.Pending = false
	db, err := s.db(inst, ClientsDoctype)
	if err != nil {
		return err
	}
	if _, err := store.PutJSON(ctx, db, c.ID, c.Rev, stored{Client: *c, DocID: c.ID}); err != nil {
		return fmt.Errorf("oauth: clear pending: %w", err)
	}
	return nil
}

// DeleteIfPending deletes a client that no access code was ever made for;
// it reports whether it did. A client already gone is not an error.
func (s *Service) DeleteIfPending(ctx context.Context, inst *instance.Instance, id string) (bool, error) {
	c, err := s.Get(ctx, inst, id)
	if errors.Is(err, ErrInvalidClient) {
		return false, nil
	}
	if err != nil || !c.Pending {
		return false, err
	}
	if err := s.Delete(ctx, inst, id); err != nil {
		return false, err
	}
	return true, nil
}
