package vfs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
)

// DirOptions describe a directory to create.
type DirOptions struct {
	Name      string
	DirID     string // parent; "" means the root
	Tags      []string
	CreatedAt time.Time // zero: now
	App       string    // slug recorded in cozyMetadata.createdByApp
}

// CreateDir creates a directory.
func (fs *FS) CreateDir(ctx context.Context, opts DirOptions) (*File, error) {
	name, err := NormalizeName(opts.Name)
	if err != nil {
		return nil, err
	}
	if opts.DirID == "" {
		opts.DirID = RootID
	}
	now := fs.now().UTC()
	created := opts.CreatedAt.UTC()
	if opts.CreatedAt.IsZero() {
		created = now
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, err := fs.parentDir(ctx, opts.DirID)
	if err != nil {
		return nil, err
	}
	if err := fs.checkFree(ctx, parent.ID, name); err != nil {
		return nil, err
	}
	d := &File{
		ID: newID(), Type: TypeDirectory, Name: name, DirID: parent.ID, Path: path.Join(parent.Path, name),
		CreatedAt: created, UpdatedAt: created, Tags: cleanTags(opts.Tags), Trashed: parent.Trashed,
		CozyMetadata: fs.newMeta(now, opts.App),
	}
	if err := fs.put(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// MkdirAll returns the directory at p, creating what is missing.
func (fs *FS) MkdirAll(ctx context.Context, p string) (*File, error) {
	p, err := CleanPath(p)
	if err != nil {
		return nil, err
	}
	if d, err := fs.DirByPath(ctx, p); err == nil {
		return d, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	parent, err := fs.MkdirAll(ctx, path.Dir(p))
	if err != nil {
		return nil, err
	}
	d, err := fs.CreateDir(ctx, DirOptions{Name: path.Base(p), DirID: parent.ID})
	if errors.Is(err, ErrExists) {
		return fs.DirByPath(ctx, p)
	}
	return d, err
}

// FileOptions describe the content being written by CreateFile or
// Overwrite.
type FileOptions struct {
	Name                                   string // CreateFile only
	DirID                                  string // CreateFile only; "" means the root
	Size                                   int64  // declared length; < 0 when unknown
	MD5Sum                                 []byte // expected md5 (Content-MD5), nil when not given
	ContentType                            string
	Tags                                   []string
	Executable                             bool
	Encrypted                              bool
	CreatedAt                              time.Time // zero: now
	UpdatedAt                              time.Time // zero: now
	IfMatch                                string    // Overwrite: the current revision, "" to skip
	App                                    string
	SourceAccount, SourceAccountIdentifier string
	// Metadata is the file's metadata object (a JSON object), nil for none;
	// a photo's EXIF fields are added to it when it lacks them.
	Metadata json.RawMessage
}

// CreateFile stores the content read from body as a new file.
func (fs *FS) CreateFile(ctx context.Context, opts FileOptions, body io.Reader) (*File, error) {
	name, err := NormalizeName(opts.Name)
	if err != nil {
		return nil, err
	}
	if opts.DirID == "" {
		opts.DirID = RootID
	}
	parent, err := fs.parentDir(ctx, opts.DirID)
	if err != nil {
		return nil, err
	}
	if err := fs.checkFree(ctx, parent.ID, name); err != nil {
		return nil, err // early answer; checked again under the lock
	}
	u, err := fs.receive(opts, body, 0)
	if err != nil {
		return nil, err
	}
	now := fs.now().UTC()
	mime, class := MimeAndClass(name, opts.ContentType)
	var photoMeta map[string]any
	if mime == "image/jpeg" {
		// The date the photo was taken wins, as upstream.
		var taken time.Time
		if taken, photoMeta, err = photoMetadata(u.f); err != nil {
			u.abort()
			return nil, fmt.Errorf("vfs: read EXIF: %w", err)
		}
		if !taken.IsZero() {
			opts.CreatedAt = taken
			if opts.UpdatedAt.IsZero() || taken.After(opts.UpdatedAt) {
				opts.UpdatedAt = taken
			}
		}
	}
	created, updated := times(now, opts.CreatedAt, opts.UpdatedAt)
	f := &File{
		ID: newID(), Type: TypeFile, Name: name, DirID: parent.ID, CreatedAt: created, UpdatedAt: updated,
		Tags: cleanTags(opts.Tags), Size: u.size, MD5Sum: u.sum(), Mime: mime, Class: class,
		Executable: opts.Executable, Encrypted: opts.Encrypted, InternalID: newInternalID(),
		CozyMetadata: fs.newMeta(now, opts.App),
	}
	f.CozyMetadata.UploadedAt, f.CozyMetadata.UploadedOn = &now, fs.createdOn()
	if opts.App != "" {
		f.CozyMetadata.UploadedBy = &Uploader{Slug: opts.App}
	}
	if f.Metadata, err = mergeMetadata(opts.Metadata, photoMeta); err != nil {
		u.abort()
		return nil, err
	}
	f.CozyMetadata.SourceAccount, f.CozyMetadata.SourceAccountIdentifier = opts.SourceAccount, opts.SourceAccountIdentifier

	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.checkFree(ctx, parent.ID, name); err != nil {
		u.abort()
		return nil, err
	}
	if err := fs.reserve(u.size, 0); err != nil {
		u.abort()
		return nil, err
	}
	if err := fs.blobs.commit(u, f.ID, f.InternalID); err != nil {
		fs.used.Add(-u.size)
		return nil, err
	}
	if err := fs.put(ctx, f); err != nil {
		fs.used.Add(-u.size)
		fs.blobs.remove(f.ID, f.InternalID)
		return nil, err
	}
	fs.queueThumbnails(f)
	return f, nil
}

// Overwrite replaces the content of file id with body.
func (fs *FS) Overwrite(ctx context.Context, id string, opts FileOptions, body io.Reader) (*File, error) {
	old, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if old.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotFile, id)
	}
	if opts.IfMatch != "" && opts.IfMatch != old.Rev {
		return nil, fmt.Errorf("%w: %s is at %s", ErrRevMismatch, id, old.Rev)
	}
	u, err := fs.receive(opts, body, old.Size)
	if err != nil {
		return nil, err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	cur, err := fs.get(ctx, id)
	if err != nil {
		u.abort()
		return nil, err
	}
	if cur.Rev != old.Rev && opts.IfMatch != "" {
		u.abort()
		return nil, fmt.Errorf("%w: %s changed meanwhile", ErrRevMismatch, id)
	}
	if err := fs.reserve(u.size, cur.Size); err != nil {
		u.abort()
		return nil, err
	}
	now := fs.now().UTC()
	f := *cur
	_, f.UpdatedAt = times(now, cur.CreatedAt, opts.UpdatedAt)
	if f.UpdatedAt.Before(f.CreatedAt) {
		f.UpdatedAt = f.CreatedAt
	}
	f.Size, f.MD5Sum, f.InternalID = u.size, u.sum(), newInternalID()
	if opts.ContentType != "" {
		f.Mime, f.Class = MimeAndClass(f.Name, opts.ContentType)
	}
	if opts.Tags != nil {
		f.Tags = cleanTags(opts.Tags)
	}
	f.Executable, f.Encrypted = opts.Executable, opts.Encrypted
	if opts.Metadata != nil {
		f.Metadata = opts.Metadata
	}
	meta := *cur.CozyMetadataOrNew(fs, now)
	meta.UpdatedAt, meta.UploadedAt, meta.UploadedOn = now, &now, fs.createdOn()
	if opts.App != "" {
		meta.UploadedBy = &Uploader{Slug: opts.App}
	}
	f.CozyMetadata = &meta
	if err := fs.blobs.commit(u, f.ID, f.InternalID); err != nil {
		fs.used.Add(cur.Size - u.size)
		return nil, err
	}
	if err := fs.put(ctx, &f); err != nil {
		fs.used.Add(cur.Size - u.size)
		fs.blobs.remove(f.ID, f.InternalID)
		return nil, err
	}
	fs.removeThumbnails(cur.ID)
	fs.queueThumbnails(&f)
	// The new content is in place: an old blob that cannot be removed is
	// an orphan, swept when the FS next opens.
	_ = fs.blobs.remove(cur.ID, cur.InternalID)
	return &f, nil
}

// CozyMetadataOrNew returns f's cozyMetadata, or a new one for old
// documents that lack it.
func (f *File) CozyMetadataOrNew(fs *FS, now time.Time) *CozyMetadata {
	if f.CozyMetadata != nil {
		return f.CozyMetadata
	}
	return fs.newMeta(now, "")
}

// receive streams a body to a temporary file and checks its length, md5
// and the quota (freed: bytes the write will release).
func (fs *FS) receive(opts FileOptions, body io.Reader, freed int64) (*upload, error) {
	if opts.MD5Sum != nil && len(opts.MD5Sum) != 16 {
		return nil, ErrInvalidMD5
	}
	max := int64(-1)
	if q := fs.quota.Load(); q > 0 {
		max = q - fs.Counted() + freed
		if max < 0 {
			max = 0
		}
		if opts.Size > max {
			return nil, fmt.Errorf("%w: %d bytes asked, %d free", ErrQuota, opts.Size, max)
		}
	}
	if opts.Size >= 0 && (max < 0 || opts.Size < max) {
		max = opts.Size // a longer body is a length mismatch
	}
	u, err := fs.blobs.write(body, max)
	if err != nil {
		if errors.Is(err, ErrQuota) && opts.Size >= 0 && max == opts.Size {
			return nil, fmt.Errorf("%w: body longer than %d bytes", ErrSizeMismatch, opts.Size)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// The HTTP server reports a body shorter than its Content-Length so.
			return nil, fmt.Errorf("%w: body shorter than announced", ErrSizeMismatch)
		}
		return nil, err
	}
	if opts.Size >= 0 && u.size != opts.Size {
		u.abort()
		return nil, fmt.Errorf("%w: %d bytes received, %d announced", ErrSizeMismatch, u.size, opts.Size)
	}
	if opts.MD5Sum != nil && !bytes.Equal(opts.MD5Sum, u.sum()) {
		u.abort()
		return nil, ErrMD5Mismatch
	}
	return u, nil
}

// reserve accounts for size new bytes replacing freed ones; it fails with
// ErrQuota when the quota would be exceeded. Called with fs.mu held.
func (fs *FS) reserve(size, freed int64) error {
	q := fs.quota.Load()
	if q > 0 && fs.Counted()-freed+size > q {
		return fmt.Errorf("%w: %d bytes", ErrQuota, size)
	}
	fs.used.Add(size - freed)
	return nil
}

// Open returns the content of a file, to be closed by the caller.
func (fs *FS) Open(f *File) (*os.File, error) {
	if f.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotFile, f.ID)
	}
	return fs.blobs.open(f.ID, f.InternalID)
}

// parentDir returns the directory id, which must exist and not be in the
// trash.
func (fs *FS) parentDir(ctx context.Context, id string) (*File, error) {
	d, err := fs.get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrParentNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	if !d.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotDirectory, id)
	}
	if d.ID == TrashID || d.Trashed {
		return nil, fmt.Errorf("%w: cannot create in the trash", ErrForbidden)
	}
	return d, nil
}

// checkFree fails with ErrExists when dirID has an entry named name.
func (fs *FS) checkFree(ctx context.Context, dirID, name string) error {
	_, err := fs.childByName(ctx, dirID, name)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %q", ErrExists, name)
	case errors.Is(err, ErrNotFound):
		return nil
	}
	return err
}

func times(now, created, updated time.Time) (time.Time, time.Time) {
	if created.IsZero() {
		created = now
	}
	if updated.IsZero() {
		updated = now
	}
	created, updated = created.UTC(), updated.UTC()
	if updated.Before(created) {
		updated = created
	}
	return created, updated
}

func cleanTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func newID() string { return ident.UUID() }

// mergeMetadata returns the given metadata object with the photo's fields
// it lacks; nil when both are empty.
func mergeMetadata(given json.RawMessage, photo map[string]any) (json.RawMessage, error) {
	if len(given) == 0 && photo == nil {
		return nil, nil
	}
	m := map[string]any{}
	if len(given) > 0 {
		if err := json.Unmarshal(given, &m); err != nil {
			return nil, fmt.Errorf("%w: metadata must be a JSON object", ErrInvalidMetadata)
		}
	}
	for k, v := range photo {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("vfs: encode metadata: %w", err)
	}
	return out, nil
}
