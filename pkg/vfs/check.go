package vfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// Kinds of problems Check reports.
const (
	ProblemOrphanContent   = "orphan_content"   // a blob no document points to
	ProblemTempFile        = "temporary_file"   // an upload interrupted by a crash
	ProblemMissingContent  = "missing_content"  // a file whose blob is gone
	ProblemContentMismatch = "content_mismatch" // a blob whose size or md5 differs from its document
	ProblemOrphanDocument  = "orphan_document"  // a document whose parent directory is gone
)

// Problem is one inconsistency found by Check.
type Problem struct {
	Kind     string `json:"type"`
	FileID   string `json:"file_id,omitempty"`
	Path     string `json:"path,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Repaired bool   `json:"repaired"`
}

// CheckOptions select what Check does.
type CheckOptions struct {
	// Repair removes orphan contents and temporary files, deletes the
	// documents of files whose content is missing and moves documents
	// without parent to the root.
	Repair bool
	// VerifyMD5 reads every content to compare its md5 (slow); without it
	// only sizes are compared.
	VerifyMD5 bool
}

// Check compares the documents with the contents on disk and reports what
// a crash or an outside change left inconsistent; with opts.Repair it
// fixes what it can. It holds the metadata lock while it runs.
func (fs *FS) Check(ctx context.Context, opts CheckOptions) ([]Problem, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	res, err := fs.db.AllDocs(ctx, store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true})
	if err != nil {
		return nil, fmt.Errorf("vfs: check: %w", err)
	}
	docs := map[string]*File{}
	for _, row := range res.Rows {
		if row.Doc == nil {
			continue
		}
		f := new(File)
		if json.Unmarshal(row.Doc, f) == nil && (f.Type == TypeFile || f.Type == TypeDirectory) {
			docs[f.ID] = f
		}
	}
	var problems []Problem
	add := func(p Problem, repair func() error) {
		if opts.Repair && repair != nil {
			if err := repair(); err == nil {
				p.Repaired = true
			} else {
				p.Detail += " (repair failed: " + err.Error() + ")"
			}
		}
		problems = append(problems, p)
	}
	// Contents on disk.
	tmpDir := fs.blobs.tempDir()
	tmps, err := os.ReadDir(tmpDir)
	if err != nil {
		return nil, fmt.Errorf("vfs: check: %w", err)
	}
	for _, t := range tmps {
		p := filepath.Join(tmpDir, t.Name())
		add(Problem{Kind: ProblemTempFile, Detail: t.Name()}, func() error { return os.Remove(p) })
	}
	shards, err := os.ReadDir(fs.blobs.dir)
	if err != nil {
		return nil, fmt.Errorf("vfs: check: %w", err)
	}
	for _, s := range shards {
		if !s.IsDir() || s.Name() == "tmp" || s.Name() == "thumbs" {
			continue
		}
		blobs, err := os.ReadDir(filepath.Join(fs.blobs.dir, s.Name()))
		if err != nil {
			return nil, fmt.Errorf("vfs: check: %w", err)
		}
		for _, b := range blobs {
			p := filepath.Join(fs.blobs.dir, s.Name(), b.Name())
			i := strings.LastIndexByte(b.Name(), '.')
			var f *File
			if i > 0 {
				f = docs[b.Name()[:i]]
			}
			if f == nil || f.IsDir() || f.InternalID != b.Name()[i+1:] {
				add(Problem{Kind: ProblemOrphanContent, Detail: b.Name()}, func() error { return os.Remove(p) })
			}
		}
	}
	// Documents.
	for _, f := range docs {
		if f.ID == RootID {
			continue
		}
		if parent, ok := docs[f.DirID]; !ok || !parent.IsDir() {
			f := f
			add(Problem{Kind: ProblemOrphanDocument, FileID: f.ID, Detail: "parent " + f.DirID + " is missing"}, func() error {
				g := *f
				g.DirID = RootID
				if g.IsDir() {
					g.Path = "/" + g.Name
				}
				g.Name = g.ID + "-" + g.Name
				if len(g.Name) > MaxNameLength {
					g.Name = g.ID
				}
				return fs.put(ctx, &g)
			})
		}
		if f.IsDir() {
			continue
		}
		st, err := os.Stat(fs.blobs.path(f.ID, f.InternalID))
		if errors.Is(err, os.ErrNotExist) {
			f := f
			add(Problem{Kind: ProblemMissingContent, FileID: f.ID, Detail: f.Name}, func() error {
				if _, err := fs.db.Delete(ctx, f.ID, f.Rev); err != nil {
					return err
				}
				fs.used.Add(-f.Size)
				return nil
			})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("vfs: check: %w", err)
		}
		if st.Size() != f.Size {
			add(Problem{Kind: ProblemContentMismatch, FileID: f.ID, Detail: fmt.Sprintf("size %d on disk, %d in the document", st.Size(), f.Size)}, nil)
			continue
		}
		if opts.VerifyMD5 {
			sum, err := md5File(fs.blobs.path(f.ID, f.InternalID))
			if err != nil {
				return nil, fmt.Errorf("vfs: check: %w", err)
			}
			if !bytes.Equal(sum, f.MD5Sum) {
				add(Problem{Kind: ProblemContentMismatch, FileID: f.ID, Detail: "md5 differs"}, nil)
			}
		}
	}
	return problems, nil
}

func md5File(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
