package session

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Doctypes of the documents this package keeps.
const (
	Doctype       = "io.cozy.sessions"
	LoginsDoctype = "io.cozy.sessions.logins"
)

// CookieName is the session cookie, as upstream names it.
const CookieName = "cozysessid"

// Lifetimes of sessions: a short one unless the user asked to stay
// logged in.
const (
	ShortLifetime = 24 * time.Hour
	LongLifetime  = 30 * 24 * time.Hour
)

// ErrNoSession is wrapped when a request has no valid session.
var ErrNoSession = errors.New("no valid session")

// Opener gives the document store of an instance; *instance.Manager is one.
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
}

// Session is one open login session.
type Session struct {
	ID        string    `json:"_id"`
	Rev       string    `json:"_rev,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	LongRun   bool      `json:"long_run"`
}

// Manager opens, checks and closes sessions.
type Manager struct {
	Stores Opener
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns a Manager over the instances' document stores.
func New(stores Opener) *Manager { return &Manager{Stores: stores} }

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) db(inst *instance.Instance, doctype string) (store.DB, error) {
	st, err := m.Stores.Store(inst)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return st.DB(doctype), nil
}

// Create opens a new session.
func (m *Manager) Create(ctx context.Context, inst *instance.Instance, longRun bool) (*Session, error) {
	now := m.now().UTC().Truncate(time.Second)
	life := ShortLifetime
	if longRun {
		life = LongLifetime
	}
	s := &Session{ID: ident.Hex(16), CreatedAt: now, ExpiresAt: now.Add(life), LongRun: longRun}
	db, err := m.db(inst, Doctype)
	if err != nil {
		return nil, err
	}
	rev, err := store.PutJSON(ctx, db, s.ID, "", s)
	if err != nil {
		return nil, fmt.Errorf("session: create: %w", err)
	}
	s.Rev = rev
	return s, nil
}

// Get returns an open, unexpired session.
func (m *Manager) Get(ctx context.Context, inst *instance.Instance, id string) (*Session, error) {
	db, err := m.db(inst, Doctype)
	if err != nil {
		return nil, err
	}
	doc, err := db.Get(ctx, id, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown session", ErrNoSession)
	}
	if err != nil {
		return nil, fmt.Errorf("session: get: %w", err)
	}
	var s Session
	if err := json.Unmarshal(doc.Body, &s); err != nil {
		return nil, fmt.Errorf("session: decode: %w", err)
	}
	s.Rev = doc.Rev
	if !m.now().Before(s.ExpiresAt) {
		return nil, fmt.Errorf("%w: session expired", ErrNoSession)
	}
	return &s, nil
}

// Delete closes a session.
func (m *Manager) Delete(ctx context.Context, inst *instance.Instance, id string) error {
	s, err := m.Get(ctx, inst, id)
	if err != nil {
		return err
	}
	db, err := m.db(inst, Doctype)
	if err != nil {
		return err
	}
	if _, err := db.Delete(ctx, s.ID, s.Rev); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	return nil
}

// List returns the open sessions (expired ones are removed on the way).
func (m *Manager) List(ctx context.Context, inst *instance.Instance) ([]*Session, error) {
	db, err := m.db(inst, Doctype)
	if err != nil {
		return nil, err
	}
	now := m.now()
	var out []*Session
	err = store.EachDoc(ctx, db, func(_, rev string, body json.RawMessage) error {
		var s Session
		if err := json.Unmarshal(body, &s); err != nil {
			return err
		}
		s.Rev = rev
		if !now.Before(s.ExpiresAt) {
			_, _ = db.Delete(ctx, s.ID, s.Rev)
			return nil
		}
		out = append(out, &s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return out, nil
}

// DeleteOthers closes every session but keep.
func (m *Manager) DeleteOthers(ctx context.Context, inst *instance.Instance, keep string) error {
	all, err := m.List(ctx, inst)
	if err != nil {
		return err
	}
	db, err := m.db(inst, Doctype)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.ID == keep {
			continue
		}
		if _, err := db.Delete(ctx, s.ID, s.Rev); err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("session: delete %s: %w", s.ID, err)
		}
	}
	return nil
}

// CookieValue is what the session cookie holds: id and HMAC.
func CookieValue(inst *instance.Instance, id string) string {
	return id + "." + sign(inst.SessionSecret, "session|"+id)
}

// ParseCookie checks a cookie value and returns the session id.
func ParseCookie(inst *instance.Instance, value string) (string, error) {
	id, mac, ok := strings.Cut(value, ".")
	if !ok || id == "" || len(value) > 256 {
		return "", fmt.Errorf("%w: malformed cookie", ErrNoSession)
	}
	if !hmac.Equal([]byte(mac), []byte(sign(inst.SessionSecret, "session|"+id))) {
		return "", fmt.Errorf("%w: bad cookie signature", ErrNoSession)
	}
	return id, nil
}

// FromRequest returns the session named by the request's cookie.
func (m *Manager) FromRequest(ctx context.Context, inst *instance.Instance, r *http.Request) (*Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, fmt.Errorf("%w: no cookie", ErrNoSession)
	}
	id, err := ParseCookie(inst, c.Value)
	if err != nil {
		return nil, err
	}
	return m.Get(ctx, inst, id)
}

// Cookie returns the cookie naming s; secure is inst.Secure() (the
// configuration decides, not the connection).
func Cookie(inst *instance.Instance, s *Session, secure bool) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: CookieValue(inst, s.ID), Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode}
	if s.LongRun {
		c.Expires = s.ExpiresAt
	}
	return c
}

// ClearCookie returns a cookie that removes the session cookie.
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

func sign(key []byte, msg string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
