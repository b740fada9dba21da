package vfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

// Options configure an FS.
type Options struct {
	// Dir is where content is stored (created if needed).
	Dir string
	// Origin is the instance's public URL with its trailing slash
	// (instance.URL()), recorded in cozyMetadata.createdOn and uploadedOn.
	Origin string
	// Quota is the disk quota in bytes; 0 means none.
	Quota int64
	// OtherUsage, when set, returns the bytes the instance uses outside
	// the VFS (the attachments of its /data documents), counted against
	// the quota with the files.
	OtherUsage func() int64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives what background work (thumbnails, the sweep at open)
	// could not do; nil discards it.
	Log *slog.Logger
}

// FS is the virtual file system of one instance. It is safe for concurrent
// use; keep one per instance.
type FS struct {
	db     store.DB
	blobs  blobStore
	origin string
	now    func() time.Time
	log    *slog.Logger
	quota  atomic.Int64
	used   atomic.Int64 // bytes of every file, trashed ones included
	other  func() int64 // bytes used outside the VFS (Options.OtherUsage), or nil

	mu       sync.Mutex    // serialises metadata writes (name checks, moves)
	thumbSem chan struct{} // one thumbnail made at a time
	thumbMu  sync.Mutex    // orders thumbnails put in place against their removal

	// Background work owned by the FS: the thumbnail queue's worker and
	// the orphan sweep started at Open. Close cancels bg and waits.
	bg        context.Context
	stop      context.CancelFunc
	wg        sync.WaitGroup
	thumbs    *thumbQueue
	swept     chan struct{}
	closeOnce sync.Once
}

// Open prepares the VFS of an instance in st: the io.cozy.files database,
// its indexes (dir_id+name, path) and references views, the root and trash directories, and the
// content directory. It counts the disk usage once.
func Open(ctx context.Context, st store.Store, opts Options) (*FS, error) {
	if opts.Dir == "" {
		return nil, errors.New("vfs: no content directory")
	}
	fs := &FS{db: st.DB(Doctype), blobs: blobStore{dir: opts.Dir}, origin: opts.Origin, now: opts.Now, log: opts.Log,
		thumbSem: make(chan struct{}, 1), thumbs: newThumbQueue(thumbQueueSize), swept: make(chan struct{})}
	if fs.now == nil {
		fs.now = time.Now
	}
	if fs.log == nil {
		fs.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fs.quota.Store(opts.Quota)
	fs.other = opts.OtherUsage
	if err := fs.blobs.init(); err != nil {
		return nil, err
	}
	// Uploads a crash interrupted: nothing else uses the directory yet.
	if err := fs.blobs.clearTemp(); err != nil {
		return nil, err
	}
	if err := fs.db.Create(ctx); err != nil && !errors.Is(err, store.ErrExists) {
		return nil, fmt.Errorf("vfs: create database: %w", err)
	}
	for _, idx := range []string{
		`{"index":{"fields":["dir_id","name"]},"ddoc":"_design/by-dir-id-name","name":"by-dir-id-name"}`,
		`{"index":{"fields":["path"]},"ddoc":"_design/by-path","name":"by-path"}`,
	} {
		if _, err := fs.db.CreateIndex(ctx, json.RawMessage(idx)); err != nil {
			return nil, fmt.Errorf("vfs: create index: %w", err)
		}
	}
	if err := fs.registerViews(ctx); err != nil {
		return nil, err
	}
	now := fs.now().UTC()
	for _, d := range []*File{
		{ID: RootID, Type: TypeDirectory, Path: "/", Tags: []string{}},
		{ID: TrashID, Type: TypeDirectory, Name: path.Base(TrashPath), DirID: RootID, Path: TrashPath, Tags: []string{}},
	} {
		if _, err := fs.get(ctx, d.ID); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt = now, now
		d.CozyMetadata = fs.newMeta(now, "")
		if err := fs.put(ctx, d); err != nil {
			return nil, err
		}
	}
	used, err := fs.countUsage(ctx)
	if err != nil {
		return nil, err
	}
	fs.used.Store(used)
	fs.bg, fs.stop = context.WithCancel(context.Background())
	fs.wg.Add(2)
	go fs.thumbWorker()
	go fs.sweepOrphans()
	return fs, nil
}

// Close stops the background work of the FS (the thumbnail worker, the
// orphan sweep) and waits for it; queued thumbnails are dropped, to be
// made on demand. It does not close the store. Calling it twice is safe.
func (fs *FS) Close() error {
	fs.closeOnce.Do(func() {
		fs.thumbs.close()
		fs.stop()
		fs.wg.Wait()
	})
	return nil
}

// SetQuota changes the disk quota (0: none).
func (fs *FS) SetQuota(q int64) { fs.quota.Store(q) }

// Usage returns the bytes used by file contents and the quota.
func (fs *FS) Usage() (used, quota int64) { return fs.used.Load(), fs.quota.Load() }

// Counted returns the bytes counted against the quota: the files and what
// the instance uses outside the VFS (Options.OtherUsage).
func (fs *FS) Counted() int64 {
	n := fs.used.Load()
	if fs.other != nil {
		n += fs.other()
	}
	return n
}

// DB returns the io.cozy.files database (for _changes, _find, _all_docs).
func (fs *FS) DB() store.DB { return fs.db }

func (fs *FS) newMeta(now time.Time, app string) *CozyMetadata {
	return &CozyMetadata{DoctypeVersion: "1", MetadataVersion: 1, CreatedAt: now, UpdatedAt: now, CreatedByApp: app, CreatedOn: fs.createdOn()}
}

// createdOn is the instance's URL, as cozyMetadata records it.
func (fs *FS) createdOn() string { return fs.origin }

func (fs *FS) countUsage(ctx context.Context) (int64, error) {
	res, err := fs.db.AllDocs(ctx, store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true})
	if err != nil {
		return 0, fmt.Errorf("vfs: count usage: %w", err)
	}
	var used int64
	for _, row := range res.Rows {
		var f struct {
			Type string `json:"type"`
			Size int64  `json:"size,string"`
		}
		if row.Doc != nil && json.Unmarshal(row.Doc, &f) == nil && f.Type == TypeFile {
			used += f.Size
		}
	}
	return used, nil
}

// Get returns a file or directory by id.
func (fs *FS) Get(ctx context.Context, id string) (*File, error) { return fs.get(ctx, id) }

func (fs *FS) get(ctx context.Context, id string) (*File, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: empty id", ErrNotFound)
	}
	doc, err := fs.db.Get(ctx, id, store.GetOptions{})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, fmt.Errorf("vfs: get %s: %w", id, err)
	}
	f := new(File)
	if err := json.Unmarshal(doc.Body, f); err != nil {
		return nil, fmt.Errorf("vfs: decode %s: %w", id, err)
	}
	if f.Type != TypeFile && f.Type != TypeDirectory {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return f, nil
}

func (fs *FS) put(ctx context.Context, f *File) error {
	body, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("vfs: encode %s: %w", f.ID, err)
	}
	res, err := fs.db.Put(ctx, store.Doc{ID: f.ID, Rev: f.Rev, Body: body}, store.PutOptions{})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %s changed meanwhile", ErrRevMismatch, f.ID)
		}
		return fmt.Errorf("vfs: write %s: %w", f.ID, err)
	}
	f.Rev = res.Rev
	return nil
}

// bulkPut writes several documents in one transaction.
func (fs *FS) bulkPut(ctx context.Context, files []*File) error {
	if len(files) == 0 {
		return nil
	}
	docs := make([]json.RawMessage, len(files))
	for i, f := range files {
		b, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("vfs: encode %s: %w", f.ID, err)
		}
		docs[i] = b
	}
	res, err := fs.db.BulkDocs(ctx, docs, true)
	if err != nil {
		return fmt.Errorf("vfs: bulk write: %w", err)
	}
	var errs []error
	for i, r := range res {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("vfs: write %s: %w", r.ID, r.Err))
			continue
		}
		if i < len(files) {
			files[i].Rev = r.Rev
		}
	}
	return errors.Join(errs...)
}

// find runs a mango query, following bookmarks until every match is read
// or max are (max <= 0: all).
func (fs *FS) find(ctx context.Context, selector string, sort []mango.SortField, max int) ([]*File, error) {
	sel, err := mango.ParseSelector(json.RawMessage(selector))
	if err != nil {
		return nil, fmt.Errorf("vfs: selector: %w", err)
	}
	var out []*File
	q := mango.Query{Selector: sel, Sort: sort, Limit: 1000}
	for {
		if max > 0 && max-len(out) < q.Limit {
			q.Limit = max - len(out)
		}
		res, err := fs.db.Find(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("vfs: find: %w", err)
		}
		for _, raw := range res.Docs {
			f := new(File)
			if err := json.Unmarshal(raw, f); err != nil {
				return nil, fmt.Errorf("vfs: decode: %w", err)
			}
			out = append(out, f)
		}
		if len(res.Docs) < q.Limit || (max > 0 && len(out) >= max) || res.Bookmark == "" {
			return out, nil
		}
		q.Bookmark = res.Bookmark
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// childByName returns the child of dirID named name, or ErrNotFound.
func (fs *FS) childByName(ctx context.Context, dirID, name string) (*File, error) {
	list, err := fs.find(ctx, `{"dir_id":`+quote(dirID)+`,"name":`+quote(name)+`}`, nil, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, name, dirID)
	}
	return list[0], nil
}

// Children lists the entries of a directory sorted by name, starting after
// the name cursor ("" for the first page); limit <= 0 lists all.
func (fs *FS) Children(ctx context.Context, dirID, cursor string, limit int) ([]*File, error) {
	sel := `{"dir_id":` + quote(dirID) + `,"name":{"$gt":` + quote(cursor) + `}}`
	if cursor == "" {
		sel = `{"dir_id":` + quote(dirID) + `}`
	}
	return fs.find(ctx, sel, []mango.SortField{{Field: "dir_id"}, {Field: "name"}}, limit)
}

// DirByPath returns the directory at path p.
func (fs *FS) DirByPath(ctx context.Context, p string) (*File, error) {
	p, err := CleanPath(p)
	if err != nil {
		return nil, err
	}
	if p == "/" {
		return fs.get(ctx, RootID)
	}
	list, err := fs.find(ctx, `{"path":`+quote(p)+`}`, nil, 1)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, p)
	}
	return list[0], nil
}

// GetByPath returns the file or directory at path p.
func (fs *FS) GetByPath(ctx context.Context, p string) (*File, error) {
	p, err := CleanPath(p)
	if err != nil {
		return nil, err
	}
	if d, err := fs.DirByPath(ctx, p); err == nil {
		return d, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	parent, err := fs.DirByPath(ctx, path.Dir(p))
	if err != nil {
		return nil, err
	}
	return fs.childByName(ctx, parent.ID, path.Base(p))
}

// FullPath returns the path of f: its own for a directory, its parent's
// path and its name for a file.
func (fs *FS) FullPath(ctx context.Context, f *File) (string, error) {
	if f.IsDir() {
		return f.Path, nil
	}
	parent, err := fs.get(ctx, f.DirID)
	if err != nil {
		return "", err
	}
	return path.Join(parent.Path, f.Name), nil
}

// Ancestors fills f's ancestor ids (for permission.Nested) and returns f.
func (fs *FS) Ancestors(ctx context.Context, f *File) (*File, error) {
	f.ancestors = f.ancestors[:0]
	seen := map[string]bool{f.ID: true}
	for id := f.DirID; id != ""; {
		if seen[id] {
			return nil, fmt.Errorf("vfs: directory loop at %s", id)
		}
		seen[id] = true
		f.ancestors = append(f.ancestors, id)
		if id == RootID {
			break
		}
		d, err := fs.get(ctx, id)
		if err != nil {
			return nil, err
		}
		id = d.DirID
	}
	return f, nil
}

// removeFile deletes a file from the disk, ignoring one already gone.
func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Changes reads the changes feed of io.cozy.files without design
// documents, holding the metadata lock so that a move or a trash of a
// directory is seen whole or not at all.
func (fs *FS) Changes(ctx context.Context, opts store.ChangesOptions) (store.ChangesResult, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	res, err := fs.db.Changes(ctx, opts)
	if err != nil {
		return res, fmt.Errorf("vfs: changes: %w", err)
	}
	kept := res.Results[:0]
	for _, ch := range res.Results {
		if len(ch.ID) < 8 || ch.ID[:8] != "_design/" {
			kept = append(kept, ch)
		}
	}
	res.Results = kept
	return res, nil
}

// DirPaths returns the path of each directory id (unknown ids are left
// out), to give files their path in listings.
func (fs *FS) DirPaths(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if _, done := out[id]; done || id == "" {
			continue
		}
		d, err := fs.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = d.Path
	}
	return out, nil
}
