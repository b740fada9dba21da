package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// PutJSON writes v, encoded as JSON, as document id on top of rev (empty
// to create) and returns the new revision. The doctype's database is
// created by the write if it does not exist yet.
func PutJSON(ctx context.Context, db DB, id, rev string, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s/%s: %w", db.Doctype(), id, err)
	}
	res, err := db.Put(ctx, Doc{ID: id, Rev: rev, Body: body}, PutOptions{})
	if err != nil {
		return "", err
	}
	return res.Rev, nil
}

// GetJSON reads document id into v. found is false, with no error, when
// the document or its database does not exist.
func GetJSON(ctx context.Context, db DB, id string, v any) (rev string, found bool, err error) {
	doc, err := db.Get(ctx, id, GetOptions{})
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if err := json.Unmarshal(doc.Body, v); err != nil {
		return "", false, fmt.Errorf("decode %s/%s: %w", db.Doctype(), id, err)
	}
	return doc.Rev, true, nil
}

// EachDoc calls fn with every live document of db (design documents left
// out), in id order; a database that does not exist has none. An error
// from fn stops the walk and is returned with the document's id.
func EachDoc(ctx context.Context, db DB, fn func(id, rev string, body json.RawMessage) error) error {
	res, err := db.AllDocs(ctx, AllDocsOptions{IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list %s: %w", db.Doctype(), err)
	}
	for _, row := range res.Rows {
		if row.Doc == nil || row.Deleted {
			continue
		}
		if err := fn(row.ID, row.Rev, row.Doc); err != nil {
			return fmt.Errorf("%s/%s: %w", db.Doctype(), row.ID, err)
		}
	}
	return nil
}
