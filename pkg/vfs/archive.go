package vfs

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
)

// WriteZip streams a zip archive of the given files and directories (with
// everything below them) to w, each root at the top of the archive. It
// reads one content at a time and holds none in memory; contents that are
// already compressed (images, audio, video, archives) are stored as is.
func (fs *FS) WriteZip(ctx context.Context, w io.Writer, roots []*File) error {
	zw := zip.NewWriter(w)
	for _, root := range roots {
		if err := fs.zipEntry(ctx, zw, root, root.Name); err != nil {
			return err
		}
	}
	return zw.Close()
}

func (fs *FS) zipEntry(ctx context.Context, zw *zip.Writer, f *File, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.IsDir() {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/", Modified: f.UpdatedAt}); err != nil {
			return fmt.Errorf("vfs: zip: %w", err)
		}
		cursor := ""
		for {
			kids, err := fs.Children(ctx, f.ID, cursor, 1000)
			if err != nil {
				return err
			}
			for _, k := range kids {
				if err := fs.zipEntry(ctx, zw, k, path.Join(name, k.Name)); err != nil {
					return err
				}
			}
			if len(kids) < 1000 {
				return nil
			}
			cursor = kids[len(kids)-1].Name
		}
	}
	method := zip.Deflate
	switch f.Class {
	case "image", "audio", "video", "zip":
		method = zip.Store
	}
	hdr := &zip.FileHeader{Name: name, Method: method, Modified: f.UpdatedAt}
	if f.Executable {
		hdr.SetMode(0o755)
	}
	dst, err := zw.CreateHeader(hdr)
	if err != nil {
		return fmt.Errorf("vfs: zip: %w", err)
	}
	src, err := fs.Open(f)
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("vfs: zip %s: %w", name, err)
	}
	return nil
}

// Archive is a pending zip download: what to put in it, until when.
type Archive struct {
	Name      string    `json:"name"`
	IDs       []string  `json:"ids"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SaveArchive records an archive request and returns its random key. It is
// kept as a _local document, so it survives a restart but is never
// replicated nor seen in the changes feed.
func (fs *FS) SaveArchive(ctx context.Context, a Archive) (string, error) {
	key := ident.Hex(12)
	body, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("vfs: archive: %w", err)
	}
	if _, err := fs.db.PutLocal(ctx, "archive-"+key, body); err != nil {
		return "", fmt.Errorf("vfs: save archive: %w", err)
	}
	return key, nil
}

// LoadArchive returns the archive of key; an expired one is deleted and
// reported as not found.
func (fs *FS) LoadArchive(ctx context.Context, key string, now time.Time) (Archive, error) {
	var a Archive
	doc, err := fs.db.GetLocal(ctx, "archive-"+key)
	if err != nil {
		return a, fmt.Errorf("%w: archive %s", ErrNotFound, key)
	}
	if err := json.Unmarshal(doc.Body, &a); err != nil {
		return a, fmt.Errorf("vfs: archive %s: %w", key, err)
	}
	if now.After(a.ExpiresAt) {
		fs.db.DeleteLocal(ctx, "archive-"+key, doc.Rev)
		return Archive{}, fmt.Errorf("%w: archive %s expired", ErrNotFound, key)
	}
	return a, nil
}

// ErrInvalidMetadata means a MetadataID is unknown or expired (422).
var ErrInvalidMetadata = errors.New("invalid or expired metadata id")

// SaveMetadata records a metadata object for a later upload (MetadataID)
// until exp, as a _local document, and returns its id.
func (fs *FS) SaveMetadata(ctx context.Context, attrs json.RawMessage, exp time.Time) (string, error) {
	id := ident.Hex(8)
	body, err := json.Marshal(map[string]any{"attributes": attrs, "expires_at": exp})
	if err != nil {
		return "", fmt.Errorf("vfs: metadata: %w", err)
	}
	if _, err := fs.db.PutLocal(ctx, "metadata-"+id, body); err != nil {
		return "", fmt.Errorf("vfs: save metadata: %w", err)
	}
	return id, nil
}

// LoadMetadata returns the metadata object of id, or ErrInvalidMetadata.
func (fs *FS) LoadMetadata(ctx context.Context, id string, now time.Time) (json.RawMessage, error) {
	doc, err := fs.db.GetLocal(ctx, "metadata-"+id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalidMetadata, id)
	}
	var m struct {
		Attributes json.RawMessage `json:"attributes"`
		ExpiresAt  time.Time       `json:"expires_at"`
	}
	if err := json.Unmarshal(doc.Body, &m); err != nil {
		return nil, fmt.Errorf("vfs: metadata %s: %w", id, err)
	}
	if now.After(m.ExpiresAt) {
		fs.db.DeleteLocal(ctx, "metadata-"+id, doc.Rev)
		return nil, fmt.Errorf("%w: %s", ErrInvalidMetadata, id)
	}
	return m.Attributes, nil
}
