package permstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
)

// Doctype is the doctype of permission documents.
const Doctype = "io.cozy.permissions"

// ErrNotFound is wrapped when no permission document matches.
var ErrNotFound = errors.New("permission not found")

// ErrInvalid is wrapped when a permission document is refused.
var ErrInvalid = errors.New("invalid permission document")

// Opener gives the document store of an instance; *instance.Manager is one.
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
}

// Store reads and writes permission documents.
type Store struct {
	Stores Opener
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns a Store over the instances' document stores.
func New(stores Opener) *Store { return &Store{Stores: stores} }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) db(inst *instance.Instance) (store.DB, error) {
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, fmt.Errorf("permstore: %w", err)
	}
	return st.DB(Doctype), nil
}

// AppID is the id of the permission document of an app.
func AppID(slug string) string { return "io.cozy.apps/" + slug }

// KonnectorID is the id of the permission document of a konnector.
func KonnectorID(slug string) string { return "io.cozy.konnectors/" + slug }

// Get returns the permission document id.
func (s *Store) Get(ctx context.Context, inst *instance.Instance, id string) (*permission.Permission, error) {
	db, err := s.db(inst)
	if err != nil {
		return nil, err
	}
	doc, err := db.Get(ctx, id, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("permstore: get %s: %w", id, err)
	}
	var p permission.Permission
	if err := json.Unmarshal(doc.Body, &p); err != nil {
		return nil, fmt.Errorf("permstore: decode %s: %w", id, err)
	}
	return &p, nil
}

// ForApp returns the permission of an installed app.
func (s *Store) ForApp(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	return s.Get(ctx, inst, AppID(slug))
}

// ForKonnector returns the permission of an installed konnector.
func (s *Store) ForKonnector(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	return s.Get(ctx, inst, KonnectorID(slug))
}

// Put creates or updates a permission document. A new document gets an id
// (its source id for apps and konnectors, a random one otherwise); p.Rev
// must be the current revision to update. p is updated with id and rev.
func (s *Store) Put(ctx context.Context, inst *instance.Instance, p *permission.Permission) error {
	if err := validate(p); err != nil {
		return err
	}
	db, err := s.db(inst)
	if err != nil {
		return err
	}
	if p.ID == "" {
		switch p.Type {
		case permission.TypeApp, permission.TypeKonnector:
			p.ID = p.SourceID
		default:
			p.ID = ident.DocID()
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("permstore: encode: %w", err)
	}
	res, err := db.Put(ctx, store.Doc{ID: p.ID, Rev: p.Rev, Body: body}, store.PutOptions{})
	if err != nil {
		return fmt.Errorf("permstore: put %s: %w", p.ID, err)
	}
	p.Rev = res.Rev
	return nil
}

func validate(p *permission.Permission) error {
	switch p.Type {
	case permission.TypeApp, permission.TypeKonnector:
		// An app may declare no permission at all: its document still
		// says it is installed, and its token is allowed nothing.
		if p.SourceID == "" || (p.ID != "" && p.ID != p.SourceID) {
			return fmt.Errorf("%w: an app or konnector permission is named by its source id", ErrInvalid)
		}
	case permission.TypeShareByLink, permission.TypeSharePreview, permission.TypeShareInteract, permission.TypeOAuth:
		if len(p.Rules) == 0 {
			return fmt.Errorf("%w: no rules", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: type %q cannot be stored", ErrInvalid, p.Type)
	}
	for _, r := range p.Rules {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return nil
}

// Delete removes the permission document id at revision rev ("" means the
// current one).
func (s *Store) Delete(ctx context.Context, inst *instance.Instance, id, rev string) error {
	db, err := s.db(inst)
	if err != nil {
		return err
	}
	if rev == "" {
		p, err := s.Get(ctx, inst, id)
		if err != nil {
			return err
		}
		rev = p.Rev
	}
	if _, err := db.Delete(ctx, id, rev); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return fmt.Errorf("permstore: delete %s: %w", id, err)
	}
	return nil
}

// List returns every permission document, optionally only those of the
// given types.
func (s *Store) List(ctx context.Context, inst *instance.Instance, types ...permission.Type) ([]*permission.Permission, error) {
	db, err := s.db(inst)
	if err != nil {
		return nil, err
	}
	var out []*permission.Permission
	err = store.EachDoc(ctx, db, func(_, _ string, body json.RawMessage) error {
		var p permission.Permission
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		if len(types) == 0 || containsType(types, p.Type) {
			out = append(out, &p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("permstore: %w", err)
	}
	return out, nil
}

func containsType(types []permission.Type, t permission.Type) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// IsShare reports whether t is a share-by-link kind.
func IsShare(t permission.Type) bool {
	return t == permission.TypeShareByLink || t == permission.TypeSharePreview || t == permission.TypeShareInteract
}
