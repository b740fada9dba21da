package vfs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/cozypi/cozy/pkg/store"
)

// The references view lists the files and directories referencing a
// document: one row per element of referenced_by, keyed [type, id] (view
// "referenced-by") or [type, id, datetime] (view "referenced-by-datetime",
// datetime being metadata.datetime when set, else created_at).
const (
	viewRefs         = "referenced-by"
	viewRefsDatetime = "referenced-by-datetime"
)

// Limits of a references page, as upstream.
const (
	DefaultRefsPerPage = 100
	MaxRefsPerPage     = 1000
)

func refsKeys(doc map[string]any, withDatetime bool) [][]any {
	refs, _ := doc["referenced_by"].([]any)
	if len(refs) == 0 {
		return nil
	}
	var datetime any
	if withDatetime {
		datetime, _ = doc["created_at"].(string)
		if meta, ok := doc["metadata"].(map[string]any); ok {
			if dt, ok := meta["datetime"].(string); ok && dt != "" {
				datetime = dt
			}
		}
	}
	out := make([][]any, 0, len(refs))
	for _, r := range refs {
		m, _ := r.(map[string]any)
		typ, _ := m["type"].(string)
		id, _ := m["id"].(string)
		if typ == "" || id == "" {
			continue
		}
		if withDatetime {
			out = append(out, []any{typ, id, datetime})
		} else {
			out = append(out, []any{typ, id})
		}
	}
	return out
}

// registerViews registers the references views of io.cozy.files.
func (fs *FS) registerViews(ctx context.Context) error {
	views, ok := fs.db.(store.GoViews)
	if !ok {
		return errors.New("vfs: the store has no Go views")
	}
	for _, v := range []store.GoView{
		{Name: viewRefs, Version: "1", Map: func(doc map[string]any) [][]any { return refsKeys(doc, false) }},
		{Name: viewRefsDatetime, Version: "1", Map: func(doc map[string]any) [][]any { return refsKeys(doc, true) }},
	} {
		if err := views.RegisterView(ctx, v); err != nil {
			return fmt.Errorf("vfs: %w", err)
		}
	}
	return nil
}

// RefsOptions select a page of the files referencing a document.
type RefsOptions struct {
	// ByDatetime sorts by datetime (photos) instead of file id.
	ByDatetime bool
	// Cursor is the Next of the previous page ("" for the first page).
	Cursor string
	// Skip is the number of files left out before the page (skip mode).
	Skip int
	// Limit is the page size: DefaultRefsPerPage when <= 0, at most
	// MaxRefsPerPage.
	Limit int
}

// RefsPage is a page of the files referencing a document.
type RefsPage struct {
	// IDs are the ids of the files and directories of the page, in order.
	IDs []string
	// Total counts every file referencing the document.
	Total int
	// Next is the cursor of the next page; "" on the last page.
	Next string
}

// ErrInvalidCursor is returned for a page cursor this VFS did not make.
var ErrInvalidCursor = errors.New("invalid page cursor") // 400

// ReferencesTo lists the files and directories referencing doc.
func (fs *FS) ReferencesTo(ctx context.Context, doc Reference, opts RefsOptions) (*RefsPage, error) {
	views, ok := fs.db.(store.GoViews)
	if !ok {
		return nil, errors.New("vfs: the store has no Go views")
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultRefsPerPage
	}
	limit = min(limit, MaxRefsPerPage)
	name := viewRefs
	if opts.ByDatetime {
		name = viewRefsDatetime
	}
	q := store.ViewQuery{Prefix: []any{doc.Type, doc.ID}, Skip: max(opts.Skip, 0), Limit: limit + 1}
	if opts.Cursor != "" {
		after, err := decodeCursor(opts.Cursor)
		if err != nil {
			return nil, err
		}
		q.After = after
	}
	res, err := views.QueryGoView(ctx, name, q)
	if err != nil {
		return nil, fmt.Errorf("vfs: references to %s/%s: %w", doc.Type, doc.ID, err)
	}
	page := &RefsPage{Total: res.Total, IDs: []string{}}
	rows := res.Rows
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = encodeCursor(rows[limit-1])
	}
	for _, r := range rows {
		page.IDs = append(page.IDs, r.ID)
	}
	return page, nil
}

func encodeCursor(r store.ViewRow) string {
	b, _ := json.Marshal([]any{r.Key, r.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*store.ViewRow, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCursor, err)
	}
	var pair []json.RawMessage
	row := &store.ViewRow{}
	if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 ||
		json.Unmarshal(pair[0], &row.Key) != nil || json.Unmarshal(pair[1], &row.ID) != nil {
		return nil, ErrInvalidCursor
	}
	return row, nil
}

// AddReferencesTo makes the files and directories ids reference doc, in one
// transaction: when one id is unknown nothing is changed.
func (fs *FS) AddReferencesTo(ctx context.Context, doc Reference, ids []string) error {
	return fs.bulkRefs(ctx, doc, ids, func(cur []Reference) []Reference {
		if slices.Contains(cur, doc) {
			return nil
		}
		return append(cur, doc)
	})
}

// RemoveReferencesTo removes the references to doc from the files and
// directories ids, in one transaction: when one id is unknown nothing is
// changed.
func (fs *FS) RemoveReferencesTo(ctx context.Context, doc Reference, ids []string) error {
	return fs.bulkRefs(ctx, doc, ids, func(cur []Reference) []Reference {
		if !slices.Contains(cur, doc) {
			return nil
		}
		return slices.DeleteFunc(slices.Clone(cur), func(r Reference) bool { return r == doc })
	})
}

// bulkRefs applies edit (nil: nothing to change) to the references of each
// file and writes the changed ones together.
func (fs *FS) bulkRefs(ctx context.Context, doc Reference, ids []string, edit func([]Reference) []Reference) error {
	if doc.Type == "" || doc.ID == "" {
		return fmt.Errorf("%w: a reference needs a type and an id", ErrInvalidType)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	now := fs.now().UTC()
	var changed []*File
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		cur, err := fs.get(ctx, id)
		if err != nil {
			return err
		}
		refs := edit(cur.ReferencedBy)
		if refs == nil {
			continue
		}
		f := *cur
		f.ReferencedBy = refs
		meta := *cur.CozyMetadataOrNew(fs, now)
		meta.UpdatedAt = now
		f.CozyMetadata = &meta
		changed = append(changed, &f)
	}
	return fs.bulkPut(ctx, changed)
}
