package vfs

import (
	"context"
	"encoding/json"
	"path"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// SyncOptions select what SyncChanges sends to a synchronizing client
// (GET /files/_changes).
type SyncOptions struct {
	Since uint64
	Limit int // <= 0: no limit
	// IncludeDocs puts each document in its row.
	IncludeDocs bool
	// Fields, when set, keeps only these members of the documents (and
	// their path when WithPath).
	Fields []string
	// WithPath gives files their path (always given to a Client that
	// has directories it does not synchronize).
	WithPath bool
	// SkipDeleted leaves out deleted documents, SkipTrashed the trashed
	// ones.
	SkipDeleted, SkipTrashed bool
	// Client is the OAuth client (an io.cozy.oauth.clients id) the feed
	// is for, "" for other credentials: what is inside the directories it
	// does not synchronize (not_synchronized_on) is sent as deleted.
	Client string
}

// ChangeRev is one revision of a change.
type ChangeRev struct {
	Rev string `json:"rev"`
}

// ChangeRow is one row of the feed, in CouchDB's shape.
type ChangeRow struct {
	ID      string         `json:"id"`
	Seq     string         `json:"seq"`
	Deleted bool           `json:"deleted,omitempty"`
	Changes []ChangeRev    `json:"changes"`
	Doc     map[string]any `json:"doc,omitempty"`
}

// ChangesFeed is the answer of SyncChanges, in CouchDB's shape.
type ChangesFeed struct {
	Results []ChangeRow `json:"results"`
	LastSeq string      `json:"last_seq"`
	Pending int64       `json:"pending"`
}

// SyncChanges reads the changes feed of io.cozy.files as the desktop and
// mobile clients consume it: without internal members, with the paths of
// files when asked, skipping deleted or trashed documents when asked, and
// hiding from an OAuth client what lies in the directories it does not
// synchronize (sent as deleted, so that the client removes its copy).
func (fs *FS) SyncChanges(ctx context.Context, o SyncOptions) (*ChangesFeed, error) {
	var excluded []string
	if o.Client != "" {
		var err error
		if excluded, err = fs.NotSynchronizedDirs(ctx, o.Client); err != nil {
			return nil, err
		}
	}
	withPath := o.WithPath || len(excluded) > 0
	res, err := fs.Changes(ctx, store.ChangesOptions{
		Since: o.Since, Limit: o.Limit,
		IncludeDocs: o.IncludeDocs || withPath || o.SkipTrashed,
	})
	if err != nil {
		return nil, err
	}
	docs, dirIDs := decodeChangeDocs(res.Results)
	var paths map[string]string
	if withPath {
		if paths, err = fs.DirPaths(ctx, dirIDs); err != nil {
			return nil, err
		}
	}
	rows := make([]ChangeRow, 0, len(res.Results))
	for i, ch := range res.Results {
		doc := docs[i]
		if o.SkipDeleted && ch.Deleted || o.SkipTrashed && doc != nil && doc["trashed"] == true {
			continue
		}
		var full string // the document's path, before any projection
		if doc != nil {
			delete(doc, "internal_vfs_id")
			if withPath && doc["type"] == TypeFile {
				dir, _ := doc["dir_id"].(string)
				name, _ := doc["name"].(string)
				if p, ok := paths[dir]; ok {
					doc["path"] = path.Join(p, name)
				}
			}
			full, _ = doc["path"].(string)
			if o.Fields != nil && !ch.Deleted {
				doc = project(doc, o.Fields, withPath)
			}
		}
		seq := strconv.FormatUint(ch.Seq, 10)
		if doc != nil && !ch.Deleted && full != "" && underAny(full, excluded) {
			rev := ""
			if len(ch.Revs) > 0 {
				rev = ch.Revs[0]
			}
			r := ChangeRow{ID: ch.ID, Seq: seq, Deleted: true, Changes: []ChangeRev{{Rev: rev}}}
			if o.IncludeDocs {
				r.Doc = map[string]any{"_id": ch.ID, "_rev": rev, "_deleted": true}
			}
			rows = append(rows, r)
			continue
		}
		r := ChangeRow{ID: ch.ID, Seq: seq, Deleted: ch.Deleted}
		for _, rev := range ch.Revs {
			r.Changes = append(r.Changes, ChangeRev{Rev: rev})
		}
		if o.IncludeDocs {
			r.Doc = doc
		}
		rows = append(rows, r)
	}
	return &ChangesFeed{Results: rows, LastSeq: strconv.FormatUint(res.LastSeq, 10), Pending: res.Pending}, nil
}

// decodeChangeDocs decodes the documents of a feed, and lists the parent
// directories of its files.
func decodeChangeDocs(changes []store.Change) ([]map[string]any, []string) {
	docs := make([]map[string]any, len(changes))
	var dirIDs []string
	for i, ch := range changes {
		if ch.Doc == nil {
			continue
		}
		var m map[string]any
		if json.Unmarshal(ch.Doc, &m) == nil {
			docs[i] = m
			if m["type"] == TypeFile {
				id, _ := m["dir_id"].(string)
				dirIDs = append(dirIDs, id)
			}
		}
	}
	return docs, dirIDs
}

// project keeps the given fields of doc, and its path when withPath.
func project(doc map[string]any, fields []string, withPath bool) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if v, ok := doc[f]; ok {
			out[f] = v
		}
	}
	if withPath {
		if v, ok := doc["path"]; ok {
			out["path"] = v
		}
	}
	return out
}

// underAny reports whether p is one of dirs or inside one of them.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
