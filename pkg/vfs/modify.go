package vfs

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

// Patch is a change of a file or directory's metadata; nil members are
// left as they are.
type Patch struct {
	Name       *string
	DirID      *string
	Tags       *[]string
	Executable *bool
	Favorite   *bool
	UpdatedAt  *string // RFC 3339
	IfMatch    string
	App        string
}

// Modify applies a patch: rename, move, tags, favorite.
func (fs *FS) Modify(ctx context.Context, id string, p Patch) (*File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	cur, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.ID == RootID || cur.ID == TrashID {
		return nil, fmt.Errorf("%w: %s", ErrForbidden, id)
	}
	if p.IfMatch != "" && p.IfMatch != cur.Rev {
		return nil, fmt.Errorf("%w: %s is at %s", ErrRevMismatch, id, cur.Rev)
	}
	f := *cur
	now := fs.now().UTC()
	meta := *cur.CozyMetadataOrNew(fs, now)
	meta.UpdatedAt = now
	f.CozyMetadata = &meta
	if p.Tags != nil {
		f.Tags = cleanTags(*p.Tags)
	}
	if p.Executable != nil && !f.IsDir() {
		f.Executable = *p.Executable
	}
	if p.Favorite != nil {
		meta.Favorite = *p.Favorite
	}
	if p.Name != nil {
		if f.Name, err = NormalizeName(*p.Name); err != nil {
			return nil, err
		}
	}
	if p.DirID != nil && *p.DirID != "" {
		f.DirID = *p.DirID
	}
	if f.Name == cur.Name && f.DirID == cur.DirID {
		if err := fs.put(ctx, &f); err != nil {
			return nil, err
		}
		return &f, nil
	}
	parent, err := fs.get(ctx, f.DirID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrParentNotFound, f.DirID)
	}
	if err != nil {
		return nil, err
	}
	if !parent.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNotDirectory, parent.ID)
	}
	if parent.Trashed != cur.Trashed || (parent.ID == TrashID) != (cur.DirID == TrashID) {
		return nil, fmt.Errorf("%w: use the trash routes to move in or out of the trash", ErrForbidden)
	}
	if err := fs.checkFree(ctx, parent.ID, f.Name); err != nil {
		return nil, err
	}
	if !f.IsDir() {
		if err := fs.put(ctx, &f); err != nil {
			return nil, err
		}
		return &f, nil
	}
	if parent.Path == cur.Path || strings.HasPrefix(parent.Path, cur.Path+"/") {
		return nil, ErrMoveIntoItself
	}
	f.Path = path.Join(parent.Path, f.Name)
	if err := fs.moveTree(ctx, &f, cur.Path, nil); err != nil {
		return nil, err
	}
	return &f, nil
}

// moveTree writes dir (already changed) and rewrites the paths of the
// directories below it from oldPath to dir.Path, in one transaction; when
// set, mark applies to every descendant (trash or restore).
func (fs *FS) moveTree(ctx context.Context, dir *File, oldPath string, mark func(*File)) error {
	docs := []*File{dir}
	queue := []string{dir.ID}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		kids, err := fs.Children(ctx, id, "", 0)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if k.IsDir() {
				k.Path = dir.Path + strings.TrimPrefix(k.Path, oldPath)
				queue = append(queue, k.ID)
			} else if mark == nil {
				continue // a file only changes when marked
			}
			if mark != nil {
				mark(k)
			}
			docs = append(docs, k)
		}
	}
	return fs.bulkPut(ctx, docs)
}

// freeName returns name, or name with a " (n)" suffix, free in dirID.
func (fs *FS) freeName(ctx context.Context, dirID, name string) (string, error) {
	candidate := name
	for n := 2; ; n++ {
		err := fs.checkFree(ctx, dirID, candidate)
		if err == nil {
			return candidate, nil
		}
		if !errors.Is(err, ErrExists) || n > 1000 {
			return "", err
		}
		candidate = ConflictName(name, n)
	}
}

// Trash moves a file or directory to the trash; by records who did it.
func (fs *FS) Trash(ctx context.Context, id, ifMatch string, by *Actor) (*File, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	cur, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.ID == RootID || cur.ID == TrashID {
		return nil, fmt.Errorf("%w: %s", ErrForbidden, id)
	}
	if cur.Trashed {
		return nil, fmt.Errorf("%w: %s", ErrAlreadyTrashed, id)
	}
	if ifMatch != "" && ifMatch != cur.Rev {
		return nil, fmt.Errorf("%w: %s is at %s", ErrRevMismatch, id, cur.Rev)
	}
	restore, err := fs.dirPath(ctx, cur.DirID)
	if err != nil {
		return nil, err
	}
	name, err := fs.freeName(ctx, TrashID, cur.Name)
	if err != nil {
		return nil, err
	}
	now := fs.now().UTC()
	f := *cur
	meta := *cur.CozyMetadataOrNew(fs, now)
	meta.UpdatedAt, meta.TrashedAt, meta.TrashedBy = now, &now, by
	f.CozyMetadata = &meta
	f.Name, f.DirID, f.RestorePath, f.Trashed = name, TrashID, restore, true
	// References are kept: upstream leaves it to the app to remove them
	// before trashing (references-docs-in-vfs.md), and a restored photo
	// comes back into its albums.
	if !f.IsDir() {
		if err := fs.put(ctx, &f); err != nil {
			return nil, err
		}
		return &f, nil
	}
	f.Path = path.Join(TrashPath, name)
	if err := fs.moveTree(ctx, &f, cur.Path, func(k *File) { k.Trashed = true }); err != nil {
		return nil, err
	}
	return &f, nil
}

func (fs *FS) dirPath(ctx context.Context, id string) (string, error) {
	d, err := fs.get(ctx, id)
	if err != nil {
		return "", err
	}
	return d.Path, nil
}

// Restore moves a file or directory out of the trash, to its restore path
// (created if it was removed meanwhile), renaming it on a clash.
func (fs *FS) Restore(ctx context.Context, id string) (*File, error) {
	cur, err := fs.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.DirID != TrashID {
		return nil, fmt.Errorf("%w: %s", ErrNotTrashed, id)
	}
	restore := cur.RestorePath
	if restore == "" || restore == TrashPath || strings.HasPrefix(restore, TrashPath+"/") {
		restore = "/"
	}
	parent, err := fs.MkdirAll(ctx, restore)
	if err != nil {
		return nil, err
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if cur, err = fs.get(ctx, id); err != nil {
		return nil, err
	}
	if cur.DirID != TrashID {
		return nil, fmt.Errorf("%w: %s", ErrNotTrashed, id)
	}
	name, err := fs.freeName(ctx, parent.ID, cur.Name)
	if err != nil {
		return nil, err
	}
	now := fs.now().UTC()
	f := *cur
	meta := *cur.CozyMetadataOrNew(fs, now)
	meta.UpdatedAt, meta.TrashedAt, meta.TrashedBy = now, nil, nil
	f.CozyMetadata = &meta
	f.Name, f.DirID, f.RestorePath, f.Trashed = name, parent.ID, "", false
	if !f.IsDir() {
		if err := fs.put(ctx, &f); err != nil {
			return nil, err
		}
		return &f, nil
	}
	f.Path = path.Join(parent.Path, name)
	if err := fs.moveTree(ctx, &f, cur.Path, func(k *File) { k.Trashed = false }); err != nil {
		return nil, err
	}
	return &f, nil
}

// Destroy deletes for good a file or directory that is in the trash, with
// everything below it. Documents go first, then contents: a crash between
// leaves orphan contents, which Check removes.
func (fs *FS) Destroy(ctx context.Context, id string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, err := fs.get(ctx, id)
	if err != nil {
		return err
	}
	if f.ID == RootID || f.ID == TrashID {
		return fmt.Errorf("%w: %s", ErrForbidden, id)
	}
	if !f.Trashed {
		return fmt.Errorf("%w: %s", ErrNotTrashed, id)
	}
	return fs.destroy(ctx, f)
}

func (fs *FS) destroy(ctx context.Context, f *File) error {
	all := []*File{f}
	for i := 0; i < len(all); i++ {
		if !all[i].IsDir() {
			continue
		}
		kids, err := fs.Children(ctx, all[i].ID, "", 0)
		if err != nil {
			return err
		}
		all = append(all, kids...)
	}
	// Children first, so that a crash never leaves a child without parent.
	var errs []error
	for i := len(all) - 1; i >= 0; i-- {
		d := all[i]
		if _, err := fs.db.Delete(ctx, d.ID, d.Rev); err != nil {
			return fmt.Errorf("vfs: delete %s: %w", d.ID, err)
		}
		if !d.IsDir() {
			fs.used.Add(-d.Size)
			fs.removeThumbnails(d.ID)
			errs = append(errs, fs.blobs.remove(d.ID, d.InternalID))
		}
	}
	return errors.Join(errs...)
}

// EmptyTrash destroys everything in the trash.
func (fs *FS) EmptyTrash(ctx context.Context) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	kids, err := fs.Children(ctx, TrashID, "", 0)
	if err != nil {
		return err
	}
	for _, k := range kids {
		if err := fs.destroy(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// DirSize returns the bytes of the files below a directory (or a file's
// own size).
func (fs *FS) DirSize(ctx context.Context, f *File) (int64, error) {
	if !f.IsDir() {
		return f.Size, nil
	}
	var total int64
	queue := []string{f.ID}
	for len(queue) > 0 {
		kids, err := fs.Children(ctx, queue[0], "", 0)
		if err != nil {
			return 0, err
		}
		queue = queue[1:]
		for _, k := range kids {
			if k.IsDir() {
				queue = append(queue, k.ID)
			} else {
				total += k.Size
			}
		}
	}
	return total, nil
}
