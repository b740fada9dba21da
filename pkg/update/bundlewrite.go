package update

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// BundleSpec says what WriteBundle puts in a bundle.
type BundleSpec struct {
	Key     ed25519.PrivateKey
	Board   string
	Version string
	Kernel  string
	// BootDir holds the files of a slot directory (vmlinuz, initrd.img,
	// cmdline.txt with the @SLOT@ placeholder, device trees); its
	// regular files are taken, sub-directories refused. A "version" file
	// is replaced by one holding Version.
	BootDir string
	// Root is the ext4 image of the root file system.
	Root    string
	Created time.Time
	// Level is the gzip level (0: gzip.BestSpeed, the SD card and the
	// network are slower than decompression either way).
	Level int
	// Workers compress in parallel (0: one per CPU).
	Workers int
	// Log, when set, receives a line per step.
	Log func(format string, args ...any)
}

func (s *BundleSpec) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// WriteBundle builds the bundle out: the root image is hashed and
// compressed to a temporary file beside out (never held in memory), then
// manifest, signature, boot files and compressed root are streamed into
// out's temporary file, synced and renamed. On error nothing is left.
func WriteBundle(ctx context.Context, out string, spec BundleSpec) (*Manifest, error) {
	if spec.Key == nil {
		return nil, errors.New("update: bundle: no signing key")
	}
	m := &Manifest{Format: Format, Version: spec.Version, Board: spec.Board, Kernel: spec.Kernel,
		Created: spec.Created.UTC().Truncate(time.Second), Root: RootImage{Encoding: "gzip"}}
	if m.Created.IsZero() {
		m.Created = time.Now().UTC().Truncate(time.Second)
	}
	boot, err := bootFiles(spec.BootDir)
	if err != nil {
		return nil, err
	}
	for _, name := range boot {
		f, err := hashFile(filepath.Join(spec.BootDir, name))
		if err != nil {
			return nil, err
		}
		f.Name = name
		m.Boot = append(m.Boot, f)
	}
	version := []byte(spec.Version + "\n")
	vsum := sha256.Sum256(version)
	m.Boot = append(m.Boot, BootFile{Name: "version", Size: int64(len(version)), SHA256: hex.EncodeToString(vsum[:])})
	if err := checkCmdline(filepath.Join(spec.BootDir, "cmdline.txt")); err != nil {
		return nil, err
	}

	dir := filepath.Dir(out)
	gz, err := os.CreateTemp(dir, ".root-*.gz")
	if err != nil {
		return nil, fmt.Errorf("update: bundle: %w", err)
	}
	defer os.Remove(gz.Name())
	defer gz.Close()
	start := time.Now()
	if err := compressRoot(ctx, gz, m, &spec); err != nil {
		return nil, err
	}
	gzInfo, err := gz.Stat()
	if err != nil {
		return nil, fmt.Errorf("update: bundle: %w", err)
	}
	spec.logf("root image: %d MiB compressed to %d MiB in %s", m.Root.Size>>20, gzInfo.Size()>>20, time.Since(start).Round(100*time.Millisecond))
	if err := m.validate(); err != nil {
		return nil, err
	}

	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("update: bundle: %w", err)
	}
	raw = append(raw, '\n')
	sig := ed25519.Sign(spec.Key, raw)

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+"-*")
	if err != nil {
		return nil, fmt.Errorf("update: bundle: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	tw := tar.NewWriter(tmp)
	entry := func(name string, size int64, r io.Reader) error {
		h := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: m.Created, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%s changed while the bundle was written", name)
		}
		return err
	}
	err = entry(manifestName, int64(len(raw)), strings.NewReader(string(raw)))
	if err == nil {
		err = entry(sigName, int64(len(sig)), strings.NewReader(string(sig)))
	}
	for _, f := range m.Boot {
		if err != nil {
			break
		}
		if f.Name == "version" {
			err = entry(bootPrefix+f.Name, f.Size, strings.NewReader(string(version)))
			continue
		}
		var in *os.File
		if in, err = os.Open(filepath.Join(spec.BootDir, f.Name)); err == nil {
			err = entry(bootPrefix+f.Name, f.Size, in)
			in.Close()
		}
	}
	if err == nil {
		if _, err = gz.Seek(0, io.SeekStart); err == nil {
			err = entry(rootName, gzInfo.Size(), gz)
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp made it 0600; a bundle is public
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return nil, fmt.Errorf("update: bundle: %w", err)
	}
	return m, nil
}

// bootFiles lists the regular files of dir but "version", sorted.
func bootFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("update: bundle: boot files: %w", err)
	}
	var names []string
	for _, e := range entries {
		info, err := os.Stat(filepath.Join(dir, e.Name())) // follows links: a build tree may link the kernel
		if err != nil {
			return nil, fmt.Errorf("update: bundle: %w", err)
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("update: bundle: %s/%s is not a regular file (a slot directory is flat)", dir, e.Name())
		}
		if !validName(e.Name()) {
			return nil, fmt.Errorf("update: bundle: boot file name %q is not allowed", e.Name())
		}
		if e.Name() != "version" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func hashFile(p string) (BootFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return BootFile{}, fmt.Errorf("update: bundle: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return BootFile{}, fmt.Errorf("update: bundle: %w", err)
	}
	return BootFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// checkCmdline refuses a cmdline.txt that would not follow the slot.
func checkCmdline(p string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("update: bundle: %w", err)
	}
	if !strings.Contains(string(data), "root=LABEL=cozy-root-"+Placeholder) {
		return fmt.Errorf("update: bundle: %s has no root=LABEL=cozy-root-%s: the kernel would not mount the slot it was written to", p, Placeholder)
	}
	return nil
}

// compressRoot hashes spec.Root while compressing it into gz, and
// records its size and hash in m.
func compressRoot(ctx context.Context, gz io.Writer, m *Manifest, spec *BundleSpec) error {
	in, err := os.Open(spec.Root)
	if err != nil {
		return fmt.Errorf("update: bundle: %w", err)
	}
	defer in.Close()
	if err := checkExt4(in); err != nil {
		return fmt.Errorf("update: bundle: %s: %w", spec.Root, err)
	}
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("update: bundle: %w", err)
	}
	level := spec.Level
	if level == 0 {
		level = gzip.BestSpeed
	}
	workers := spec.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	h := sha256.New()
	counter := &countingReader{r: io.TeeReader(in, h)}
	if err := compressParallel(ctx, gz, counter, level, workers); err != nil {
		return err
	}
	m.Root.Size = counter.n
	m.Root.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
