package session

import (
	"context"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Login is one entry of the login history.
type Login struct {
	ID        string    `json:"_id"`
	SessionID string    `json:"session_id,omitempty"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
}

// RecordLogin adds an entry to the login history.
func (m *Manager) RecordLogin(ctx context.Context, inst *instance.Instance, sessionID, ip, userAgent string) error {
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	l := Login{ID: ident.Hex(16), SessionID: sessionID, IP: ip, UserAgent: userAgent, CreatedAt: m.now().UTC().Truncate(time.Second)}
	db, err := m.db(inst, LoginsDoctype)
	if err != nil {
		return err
	}
	if _, err := store.PutJSON(ctx, db, l.ID, "", l); err != nil {
		return fmt.Errorf("session: record login: %w", err)
	}
	return nil
}
