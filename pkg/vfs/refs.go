package vfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// AddReferencedBy adds references to documents on a file (deduplicated).
func (fs *FS) AddReferencedBy(ctx context.Context, id string, refs []Reference) (*File, error) {
	return fs.editRefs(ctx, id, func(cur []Reference) []Reference {
		for _, r := range refs {
			if r.Type != "" && r.ID != "" && !slices.Contains(cur, r) {
				cur = append(cur, r)
			}
		}
		return cur
	})
}

// RemoveReferencedBy removes references from a file.
func (fs *FS) RemoveReferencedBy(ctx context.Context, id string, refs []Reference) (*File, error) {
	return fs.editRefs(ctx, id, func(cur []Reference) []Reference {
		return slices.DeleteFunc(cur, func(r Reference) bool { return slices.Contains(refs, r) })
	})
}

func (fs *FS) editRefs(ctx context.Context, id string, edit func([]Reference) []Reference) (*File, error) {
	return fs.editList(ctx, id, false, func(f *File) *[]Reference { return &f.ReferencedBy }, edit)
}

// AddNotSynchronizedOn marks a directory as not synchronized on the given
// clients (io.cozy.oauth.clients references).
func (fs *FS) AddNotSynchronizedOn(ctx context.Context, id string, refs []Reference) (*File, error) {
	return fs.editList(ctx, id, true, func(f *File) *[]Reference { return &f.NotSynchronizedOn }, func(cur []Reference) []Reference {
		for _, r := range refs {
			if r.Type != "" && r.ID != "" && !slices.Contains(cur, r) {
				cur = append(cur, r)
			}
		}
		return cur
	})
}

// RemoveNotSynchronizedOn synchronizes a directory again on the clients.
func (fs *FS) RemoveNotSynchronizedOn(ctx context.Context, id string, refs []Reference) (*File, error) {
	return fs.editList(ctx, id, true, func(f *File) *[]Reference { return &f.NotSynchronizedOn }, func(cur []Reference) []Reference {
		return slices.DeleteFunc(cur, func(r Reference) bool { return slices.Contains(refs, r) })
	})
}

// NotSynchronizedDirs returns the paths of the directories not
// synchronized on client (an io.cozy.oauth.clients id).
func (fs *FS) NotSynchronizedDirs(ctx context.Context, client string) ([]string, error) {
	dirs, err := fs.find(ctx, `{"path":{"$gt":null}}`, nil, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		if slices.Contains(d.NotSynchronizedOn, Reference{Type: "io.cozy.oauth.clients", ID: client}) {
			out = append(out, d.Path)
		}
	}
	return out, nil
}

func (fs *FS) editList(ctx context.Context, id string, dirOnly bool, field func(*File) *[]Reference, edit func([]Reference) []Reference) (*File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	cur, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if dirOnly && !cur.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotDirectory, id)
	}
	f := *cur
	list := field(&f)
	*list = edit(slices.Clone(*list))
	now := fs.now().UTC()
	meta := *cur.CozyMetadataOrNew(fs, now)
	meta.UpdatedAt = now
	f.CozyMetadata = &meta
	if err := fs.put(ctx, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// CopyName is the default name of a copy: "hello (copy).pdf".
func CopyName(name string) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	if base == "" {
		base, ext = name, ""
	}
	return base + " (copy)" + ext
}

// Copy copies a file into dirID ("" : the same directory) as name (""
// : CopyName of the original). Contents are never modified in place, so the
// copy's content is a hard link to the original's when the file system
// allows it, and a byte copy otherwise; the quota counts it in full.
func (fs *FS) Copy(ctx context.Context, id, name, dirID, app string) (*File, error) {
	src, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if src.IsDir() {
		return nil, fmt.Errorf("%w: copying a directory", ErrNotFile)
	}
	if dirID == "" {
		dirID = src.DirID
	}
	if name == "" {
		name = CopyName(src.Name)
	}
	if name, err = NormalizeName(name); err != nil {
		return nil, err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	parent, err := fs.parentDir(ctx, dirID)
	if err != nil {
		return nil, err
	}
	if err := fs.checkFree(ctx, parent.ID, name); err != nil {
		return nil, err
	}
	if err := fs.reserve(src.Size, 0); err != nil {
		return nil, err
	}
	now := fs.now().UTC()
	f := *src
	f.ID, f.Rev, f.Name, f.DirID, f.InternalID = newID(), "", name, parent.ID, newInternalID()
	f.CreatedAt, f.UpdatedAt, f.ReferencedBy, f.Tags = now, now, nil, slices.Clone(src.Tags)
	f.CozyMetadata = fs.newMeta(now, app)
	f.CozyMetadata.UploadedAt, f.CozyMetadata.UploadedOn = &now, fs.createdOn()
	if err := fs.blobs.link(src.ID, src.InternalID, f.ID, f.InternalID); err != nil {
		fs.used.Add(-src.Size)
		return nil, err
	}
	if err := fs.put(ctx, &f); err != nil {
		fs.used.Add(-src.Size)
		fs.blobs.remove(f.ID, f.InternalID)
		return nil, err
	}
	return &f, nil
}

// link makes the blob of (id, internal) available as (toID, toInternal).
func (b blobStore) link(id, internal, toID, toInternal string) error {
	src, dst := b.path(id, internal), b.path(toID, toInternal)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("vfs: content directory: %w", err)
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	} else if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: content of %s is missing", ErrNotFound, id)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("vfs: copy content: %w", err)
	}
	defer in.Close()
	u, err := b.write(in, -1)
	if err != nil {
		return err
	}
	return b.commit(u, toID, toInternal)
}
