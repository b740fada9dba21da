package box

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	bolt "go.etcd.io/bbolt"
)

// Errors of the box.
var (
	// ErrClosed is a setup asked of a box already set up.
	ErrClosed = errors.New("box: setup is closed")
	// ErrBadCode is a wrong setup code.
	ErrBadCode = errors.New("box: wrong setup code")
	// ErrInvalid is a setup request that cannot be used as it is.
	ErrInvalid = errors.New("box: invalid setup")
	// ErrNoCertificates is a domain or LAN choice on a box without a
	// certificates manager.
	ErrNoCertificates = errors.New("box: no certificates manager: only plain HTTP is available")
	// ErrHTTPS is a choice the certificates manager refused.
	ErrHTTPS = errors.New("box: https")
)

// FileName is the box's state file in the data directory.
const FileName = "box.db"

var (
	bucketBox    = []byte("box")
	keyHousehold = []byte("household")
	keyCode      = []byte("setup-code")
)

// Household is what the setup made: stored once, when the setup closes.
type Household struct {
	Name     string    `json:"name"`
	Member   string    `json:"member"`   // the first member's name
	Instance string    `json:"instance"` // the first member's instance domain
	TZ       string    `json:"tz,omitempty"`
	HTTPS    Choice    `json:"https"`
	SetUpAt  time.Time `json:"set_up_at"`
}

// Box is the household box's state. Its methods are safe for concurrent
// use; setups are serialised.
type Box struct {
	db        *bolt.DB
	cfg       config.Box
	instances *instance.Manager
	certs     Certificates // nil: only ModeLater
	log       *slog.Logger

	mu        sync.Mutex // serialises Setup; guards the fields below
	household *Household // nil while the setup is open
	code      string     // the setup code, "" once closed
	failures  int        // wrong codes since the code was made
	secure    bool       // https is ready: the instances' scheme is https
}

// Open opens (creating if needed) box.db in dataDir. While the setup is
// open, the setup code is logged (at warn level, so that a quiet console
// shows it). Once set up, the stored HTTPS choice is given to certs again
// and the instances' public scheme follows the certificates' state. certs
// may be nil (plain HTTP only).
func Open(ctx context.Context, dataDir string, cfg config.Box, instances *instance.Manager, certs Certificates, log *slog.Logger) (*Box, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Name == "" {
		cfg.Name = "cozy"
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("box: data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dataDir, FileName), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("box: open state: %w", err)
	}
	b := &Box{db: db, cfg: cfg, instances: instances, certs: certs, log: log}
	err = db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBox)
		if err != nil {
			return err
		}
		if v := bk.Get(keyHousehold); v != nil {
			h := new(Household)
			if err := json.Unmarshal(v, h); err != nil {
				return fmt.Errorf("household record: %w", err)
			}
			b.household = h
			return nil
		}
		if v := bk.Get(keyCode); v != nil {
			b.code = string(v)
			return nil
		}
		b.code = newCode()
		return bk.Put(keyCode, []byte(b.code))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("box: %w", err)
	}
	if b.household == nil {
		instances.Public().SetScheme("http") // no certificate yet
		if cfg.SetupCode {
			log.WarnContext(ctx, "box setup is open: visit http://"+cfg.Name+".local with this setup code", "setup_code", b.code)
		} else {
			log.WarnContext(ctx, "box setup is open to the first visitor: visit http://"+cfg.Name+".local")
		}
		return b, nil
	}
	if h := b.household; h.HTTPS.Mode != ModeLater && certs != nil {
		if err := certs.Configure(ctx, h.HTTPS); err != nil {
			log.ErrorContext(ctx, "box: resuming https", "mode", h.HTTPS.Mode, "error", err)
		}
	}
	b.mu.Lock()
	b.refreshLocked()
	b.mu.Unlock()
	return b, nil
}

// Close closes box.db.
func (b *Box) Close() error { return b.db.Close() }

// Name is the box's LAN host name, without .local.
func (b *Box) Name() string { return b.cfg.Name }

// SetupOpen tells whether the box still waits for its setup.
func (b *Box) SetupOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.household == nil
}

// NeedsCode tells whether the setup asks for the console's setup code.
func (b *Box) NeedsCode() bool { return b.cfg.SetupCode }

// SetupCode is the code the setup asks for, "" once closed.
func (b *Box) SetupCode() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.code
}

// Household returns the household, once set up.
func (b *Box) Household() (Household, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.household == nil {
		return Household{}, false
	}
	return *b.household, true
}

// Modes are the HTTPS modes the setup offers: those the configuration
// allows, less those needing a certificates manager when there is none.
func (b *Box) Modes() []string {
	var out []string
	for _, m := range b.allModes() {
		if m == ModeLater || b.certs != nil {
			out = append(out, m)
		}
	}
	return out
}

// IsBoxHost tells whether host (with an optional port) is one of the
// box's own names: <name>.local or an IP address (the LAN address a
// phone may type).
func (b *Box) IsBoxHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == b.cfg.Name+".local" || net.ParseIP(strings.Trim(host, "[]")) != nil
}

// HTTPS is the certificates' progress: StateHTTP for the "later" choice,
// StateNone before the setup or without a certificates manager.
func (b *Box) HTTPS() Status {
	h, ok := b.Household()
	switch {
	case !ok:
		return Status{State: StateNone}
	case h.HTTPS.Mode == ModeLater:
		return Status{State: StateHTTP}
	case b.certs == nil:
		return Status{State: StateNone, LastError: ErrNoCertificates.Error()}
	}
	st := b.certs.Status()
	b.mu.Lock()
	b.applyLocked(st)
	b.mu.Unlock()
	return st
}

// Secure tells whether HTTPS is ready, so that plain HTTP requests are
// redirected to it.
func (b *Box) Secure() bool {
	b.HTTPS()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.secure
}

// refreshLocked reads the certificates' state and applies it.
func (b *Box) refreshLocked() {
	if b.certs == nil || b.household == nil || b.household.HTTPS.Mode == ModeLater {
		b.applyLocked(Status{State: StateHTTP})
		return
	}
	b.applyLocked(b.certs.Status())
}

// applyLocked sets the instances' public scheme from st: https once the
// certificates are ready (and never back: a failed renewal keeps serving
// the certificate it has), http before.
func (b *Box) applyLocked(st Status) {
	if b.household == nil {
		return
	}
	ready := st.State == StateReady && b.household.HTTPS.Mode != ModeLater
	if ready && !b.secure {
		b.secure = true
		b.instances.Public().SetScheme("https")
		b.log.Info("box: https is ready", "names", st.Names)
	}
	if !b.secure {
		b.instances.Public().SetScheme("http")
	}
}
