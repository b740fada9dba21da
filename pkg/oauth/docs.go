package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Opener gives the document store of an instance; *instance.Manager is one.
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
}

func (s *Service) db(inst *instance.Instance, doctype string) (store.DB, error) {
	st, err := s.Stores.Store(inst)
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	return st.DB(doctype), nil
}

// getDoc reads a document into v; found is false when it does not exist.
func getDoc(ctx context.Context, db store.DB, id string, v any) (rev string, found bool, err error) {
	doc, err := db.Get(ctx, id, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if err := json.Unmarshal(doc.Body, v); err != nil {
		return "", false, fmt.Errorf("decode %s: %w", id, err)
	}
	return doc.Rev, true, nil
}

// putDoc writes v as id at rev, creating the database on first use.
func putDoc(ctx context.Context, db store.DB, id, rev string, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", id, err)
	}
	doc := store.Doc{ID: id, Rev: rev, Body: body}
	res, err := db.Put(ctx, doc, store.PutOptions{})
	if errors.Is(err, store.ErrNotFound) && rev == "" {
		if cerr := db.Create(ctx); cerr != nil && !errors.Is(cerr, store.ErrExists) {
			return "", cerr
		}
		res, err = db.Put(ctx, doc, store.PutOptions{})
	}
	if err != nil {
		return "", err
	}
	return res.Rev, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
