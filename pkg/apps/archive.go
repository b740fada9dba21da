package apps

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrUnsafeArchive is wrapped when an archive is refused: an entry that
// escapes the target, a link, a special file, or too many or too large
// files (a decompression bomb).
var ErrUnsafeArchive = errors.New("unsafe archive")

// Limits bound what an install may unpack.
type Limits struct {
	MaxFiles int   // entries, directories included
	MaxBytes int64 // uncompressed bytes in total
}

// DefaultLimits suit a Raspberry Pi: a large web app is a few thousand
// files and tens of megabytes.
var DefaultLimits = Limits{MaxFiles: 20000, MaxBytes: 512 << 20}

// extractor writes entries under dir, enforcing limits.
type extractor struct {
	dir    string
	lim    Limits
	files  int
	bytes  int64
	prefix string // a leading directory to strip ("" when none)
}

// safeTarget maps an archive entry name to a path under dir, or fails.
func (x *extractor) safeTarget(name string) (string, bool, error) {
	if strings.ContainsRune(name, 0) || strings.Contains(name, "\\") {
		return "", false, fmt.Errorf("%w: entry %q has a bad name", ErrUnsafeArchive, name)
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return "", false, fmt.Errorf("%w: entry %q is an absolute path", ErrUnsafeArchive, name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return "", false, fmt.Errorf("%w: entry %q climbs out of the archive", ErrUnsafeArchive, name)
		}
	}
	clean := path.Clean(name)
	if x.prefix != "" {
		rest, ok := strings.CutPrefix(clean, x.prefix)
		if !ok {
			return "", false, nil // outside the prefix: skipped
		}
		clean = strings.TrimPrefix(rest, "/")
	}
	if clean == "" || clean == "." {
		return "", false, nil
	}
	return filepath.Join(x.dir, filepath.FromSlash(clean)), true, nil
}

func (x *extractor) count(size int64) error {
	x.files++
	if x.files > x.lim.MaxFiles {
		return fmt.Errorf("%w: more than %d files", ErrUnsafeArchive, x.lim.MaxFiles)
	}
	if size > 0 && x.bytes+size > x.lim.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes uncompressed", ErrUnsafeArchive, x.lim.MaxBytes)
	}
	return nil
}

// write copies r to target, never more than the bytes left in the budget.
func (x *extractor) write(target string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("apps: unpack: %w", err)
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("apps: unpack: %w", err)
	}
	left := x.lim.MaxBytes - x.bytes
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	x.bytes += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("apps: unpack %s: %w", filepath.Base(target), err)
	}
	if n > left {
		return fmt.Errorf("%w: more than %d bytes uncompressed", ErrUnsafeArchive, x.lim.MaxBytes)
	}
	return nil
}

// Extract unpacks a tar, gzipped tar or zip archive read from r into dir,
// which must exist and be empty. prefix, when set, is a leading directory
// of the entries to strip (the registry's tar_prefix); a single top-level
// directory holding the manifest is also stripped by the caller.
func Extract(r io.Reader, dir, prefix string, lim Limits) error {
	x := &extractor{dir: dir, lim: lim, prefix: strings.Trim(path.Clean("/"+prefix), "/")}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%w: bad gzip stream: %w", ErrUnsafeArchive, err)
		}
		defer gz.Close()
		return x.tar(gz)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		// zip needs random access: spool to a temporary file, bounded.
		tmp, err := os.CreateTemp("", "cozy-app-*.zip")
		if err != nil {
			return fmt.Errorf("apps: %w", err)
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, err := io.Copy(tmp, io.LimitReader(br, lim.MaxBytes+1))
		if err != nil {
			return fmt.Errorf("apps: spool zip: %w", err)
		}
		if n > lim.MaxBytes {
			return fmt.Errorf("%w: archive larger than %d bytes", ErrUnsafeArchive, lim.MaxBytes)
		}
		zr, err := zip.NewReader(tmp, n)
		if err != nil {
			return fmt.Errorf("%w: bad zip: %w", ErrUnsafeArchive, err)
		}
		return x.zip(zr)
	default:
		return x.tar(br)
	}
}

func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	seen := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if !seen {
				return fmt.Errorf("%w: empty or not an archive", ErrUnsafeArchive)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: bad tar: %w", ErrUnsafeArchive, err)
		}
		seen = true
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		target, ok, err := x.safeTarget(h.Name)
		if err != nil {
			return err
		}
		if err := x.count(h.Size); err != nil {
			return err
		}
		if !ok {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("apps: unpack: %w", err)
			}
		case tar.TypeReg:
			if err := x.write(target, tr); err != nil {
				return err
			}
		case tar.TypeSymlink, tar.TypeLink:
			return fmt.Errorf("%w: entry %q is a link", ErrUnsafeArchive, h.Name)
		default:
			return fmt.Errorf("%w: entry %q is a special file", ErrUnsafeArchive, h.Name)
		}
	}
}

func (x *extractor) zip(zr *zip.Reader) error {
	if len(zr.File) == 0 {
		return fmt.Errorf("%w: empty archive", ErrUnsafeArchive)
	}
	for _, f := range zr.File {
		target, ok, err := x.safeTarget(f.Name)
		if err != nil {
			return err
		}
		mode := f.Mode()
		if err := x.count(int64(f.UncompressedSize64)); err != nil {
			return err
		}
		if !ok {
			continue
		}
		switch {
		case mode&os.ModeSymlink != 0:
			return fmt.Errorf("%w: entry %q is a link", ErrUnsafeArchive, f.Name)
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("apps: unpack: %w", err)
			}
		case mode.IsRegular():
			rc, err := f.Open()
			if err != nil {
				return fmt.Errorf("%w: %w", ErrUnsafeArchive, err)
			}
			err = x.write(target, rc)
			rc.Close()
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: entry %q is a special file", ErrUnsafeArchive, f.Name)
		}
	}
	return nil
}

// copyDir copies the regular files and directories of src into dst
// (a file:// or git source), with the same limits and refusals as an
// archive: a symbolic link pointing out of src is refused, one inside is
// followed as a copy.
func copyDir(src, dst string, lim Limits) error {
	x := &extractor{dir: dst, lim: lim}
	root, err := filepath.EvalSymlinks(src)
	if err != nil {
		return fmt.Errorf("apps: source directory: %w", err)
	}
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("apps: read source: %w", err)
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("apps: read source: %w", err)
		}
		if info.Mode()&os.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil || (real != root && !strings.HasPrefix(real, root+string(filepath.Separator))) {
				return fmt.Errorf("%w: %s is a link leading out of the package", ErrUnsafeArchive, rel)
			}
			if info, err = os.Stat(real); err != nil {
				return fmt.Errorf("apps: read source: %w", err)
			}
			if info.IsDir() {
				return fmt.Errorf("%w: %s is a link to a directory", ErrUnsafeArchive, rel)
			}
			p = real
		}
		if err := x.count(info.Size()); err != nil {
			return err
		}
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return fmt.Errorf("apps: read source: %w", err)
			}
			defer f.Close()
			return x.write(target, f)
		default:
			return fmt.Errorf("%w: %s is a special file", ErrUnsafeArchive, rel)
		}
	})
}
