package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cozypi/cozy/pkg/store"
)

// put writes v (a *Job or *Trigger with _id/_rev) and returns the new rev,
// creating the database on first use.
func put(ctx context.Context, st store.Store, doctype, id, rev string, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("jobs: encoding %s/%s: %w", doctype, id, err)
	}
	db := st.DB(doctype)
	doc := store.Doc{ID: id, Rev: rev, Body: body}
	res, err := db.Put(ctx, doc, store.PutOptions{})
	if errors.Is(err, store.ErrNotFound) && rev == "" {
		if cerr := db.Create(ctx); cerr != nil && !errors.Is(cerr, store.ErrExists) {
			return "", fmt.Errorf("jobs: creating %s: %w", doctype, cerr)
		}
		res, err = db.Put(ctx, doc, store.PutOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("jobs: writing %s/%s: %w", doctype, id, err)
	}
	return res.Rev, nil
}

// get reads one document into v.
func get(ctx context.Context, st store.Store, doctype, id string, v any) error {
	doc, err := st.DB(doctype).Get(ctx, id, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, doctype, id)
	}
	if err != nil {
		return fmt.Errorf("jobs: reading %s/%s: %w", doctype, id, err)
	}
	if doc.Deleted {
		return fmt.Errorf("%w: %s/%s", ErrNotFound, doctype, id)
	}
	if err := json.Unmarshal(doc.Body, v); err != nil {
		return fmt.Errorf("jobs: decoding %s/%s: %w", doctype, id, err)
	}
	return nil
}

// all decodes every (non design) document of a doctype with decode.
func all(ctx context.Context, st store.Store, doctype string, decode func(json.RawMessage) error) error {
	err := store.EachDoc(ctx, st.DB(doctype), func(_, _ string, body json.RawMessage) error { return decode(body) })
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}
