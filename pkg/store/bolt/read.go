package bolt

import (
	"context"
	"strings"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

func (b *buckets) record(id string) (*record, error) {
	raw := b.docs.Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	return decodeRecord(raw)
}

// render builds the document of leaf rev with the requested metadata.
func render(id string, rec *record, leaf revtree.Leaf, o store.GetOptions) store.Doc {
	m := store.Meta{Deleted: leaf.Deleted}
	if o.Revs {
		p := rec.tree.Ancestry(leaf.Rev)
		m.Revisions = &p
	}
	if o.RevsInfo || o.Meta {
		m.RevsInfo = rec.tree.RevsInfo(leaf.Rev, func(r revtree.Rev) bool { _, ok := rec.bodies[r]; return ok })
	}
	if o.Conflicts || o.Meta {
		m.Conflicts = revStrings(rec.tree.Conflicts())
	}
	if o.DeletedConflicts || o.Meta {
		m.DeletedConflicts = revStrings(rec.tree.DeletedConflicts())
	}
	rev := leaf.Rev.String()
	return store.Doc{ID: id, Rev: rev, Deleted: leaf.Deleted, Body: store.RenderDoc(id, rev, rec.bodies[leaf.Rev], m)}
}

func revStrings(rs []revtree.Rev) []string {
	if len(rs) == 0 {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// Get returns the winning revision of a document, or opts.Rev.
func (d *DB) Get(ctx context.Context, id string, opts store.GetOptions) (store.Doc, error) {
	if strings.HasPrefix(id, store.LocalPrefix) {
		return d.GetLocal(ctx, id)
	}
	var doc store.Doc
	err := d.view(ctx, func(b *buckets) error {
		rec, err := b.record(id)
		if err != nil {
			return err
		}
		if rec == nil {
			return store.NotFound(store.ReasonMissing)
		}
		if opts.Rev == "" {
			w, _ := rec.winner()
			if w.Deleted {
				return store.NotFound(store.ReasonDeleted)
			}
			doc = render(id, rec, w, opts)
			return nil
		}
		r, err := revtree.ParseRev(opts.Rev)
		if err != nil {
			return store.BadRequest("Invalid rev format")
		}
		leaf := revtree.Leaf{Rev: r, Deleted: rec.tree.Deleted(r)}
		if opts.Latest {
			if ls := rec.tree.LeavesFrom(r); len(ls) > 0 {
				leaf = ls[0]
			}
		}
		if _, ok := rec.bodies[leaf.Rev]; !ok {
			return store.NotFound(store.ReasonMissing)
		}
		doc = render(id, rec, leaf, opts)
		return nil
	})
	return doc, err
}

// OpenRevs returns revisions of a document: all leaves when revs is nil.
func (d *DB) OpenRevs(ctx context.Context, id string, revs []string, latest, withRevisions bool) ([]store.OpenRevResult, error) {
	var out []store.OpenRevResult
	err := d.view(ctx, func(b *buckets) error {
		var err error
		out, err = openRevs(b, id, revs, latest, withRevisions)
		return err
	})
	return out, err
}

func openRevs(b *buckets, id string, revs []string, latest, withRevisions bool) ([]store.OpenRevResult, error) {
	rec, err := b.record(id)
	if err != nil {
		return nil, err
	}
	opts := store.GetOptions{Revs: withRevisions}
	var out []store.OpenRevResult
	if revs == nil {
		if rec == nil {
			return nil, store.NotFound(store.ReasonMissing)
		}
		for _, l := range rec.tree.Leaves() {
			doc := render(id, rec, l, opts)
			out = append(out, store.OpenRevResult{OK: &doc})
		}
		return out, nil
	}
	seen := map[revtree.Rev]bool{}
	for _, s := range revs {
		r, err := revtree.ParseRev(s)
		if err != nil {
			return nil, store.BadRequest("Invalid rev format: %q", s)
		}
		if rec == nil || !rec.tree.Has(r) {
			out = append(out, store.OpenRevResult{Missing: s})
			continue
		}
		leaves := []revtree.Leaf{{Rev: r, Deleted: rec.tree.Deleted(r)}}
		if latest {
			leaves = rec.tree.LeavesFrom(r)
		}
		for _, l := range leaves {
			if seen[l.Rev] {
				continue
			}
			seen[l.Rev] = true
			if _, ok := rec.bodies[l.Rev]; !ok {
				out = append(out, store.OpenRevResult{Missing: l.Rev.String()})
				continue
			}
			doc := render(id, rec, l, opts)
			out = append(out, store.OpenRevResult{OK: &doc})
		}
	}
	return out, nil
}

// BulkGet answers _bulk_get: for each request, the winner (no rev) or the
// given revision (the leaves descending from it with latest).
func (d *DB) BulkGet(ctx context.Context, reqs []store.BulkGetRequest, revs, latest bool) ([]store.BulkGetResult, error) {
	out := make([]store.BulkGetResult, len(reqs))
	err := d.view(ctx, func(b *buckets) error {
		for i, rq := range reqs {
			out[i] = store.BulkGetResult{ID: rq.ID, Rev: rq.Rev}
			if rq.ID == "" {
				out[i].Err = store.BadRequest("missing id")
				continue
			}
			if rq.Rev == "" {
				rec, err := b.record(rq.ID)
				if err != nil {
					return err
				}
				if rec == nil {
					out[i].Err = store.NotFound(store.ReasonMissing)
					continue
				}
				w, _ := rec.winner()
				doc := render(rq.ID, rec, w, store.GetOptions{Revs: revs})
				out[i].Docs = []store.OpenRevResult{{OK: &doc}}
				continue
			}
			docs, err := openRevs(b, rq.ID, []string{rq.Rev}, latest, revs)
			if err != nil {
				if e, ok := err.(*store.Error); ok {
					out[i].Err = e
					continue
				}
				return err
			}
			out[i].Docs = docs
		}
		return nil
	})
	return out, err
}

// RevsDiff reports the revisions the database lacks, per document.
func (d *DB) RevsDiff(ctx context.Context, revs map[string][]string) (map[string]store.RevsDiffResult, error) {
	out := map[string]store.RevsDiffResult{}
	err := d.view(ctx, func(b *buckets) error {
		for id, list := range revs {
			parsed := make([]revtree.Rev, 0, len(list))
			for _, s := range list {
				r, err := revtree.ParseRev(s)
				if err != nil {
					return store.BadRequest("Invalid rev format: %q", s)
				}
				parsed = append(parsed, r)
			}
			rec, err := b.record(id)
			if err != nil {
				return err
			}
			tree := revtree.New()
			if rec != nil {
				tree = rec.tree
			}
			missing, anc := tree.RevsDiff(parsed)
			if len(missing) > 0 {
				out[id] = store.RevsDiffResult{Missing: revStrings(missing), PossibleAncestors: revStrings(anc)}
			}
		}
		return nil
	})
	return out, err
}
