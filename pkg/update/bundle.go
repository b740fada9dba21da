package update

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Errors of bundles. Each is wrapped with the detail.
var (
	// ErrBadSignature: manifest.sig is not a signature of manifest.json
	// by one of the trusted keys.
	ErrBadSignature = errors.New("update: bad signature")
	// ErrWrongBoard: the bundle is for another board than the running one.
	ErrWrongBoard = errors.New("update: bundle for another board")
	// ErrTooLarge: a payload does not fit where it goes.
	ErrTooLarge = errors.New("update: too large")
	// ErrBadBundle: the stream is not a bundle of a known format
	// (entries missing, out of order, unexpected, malformed manifest).
	ErrBadBundle = errors.New("update: not a valid bundle")
	// ErrCorrupt: a payload differs from what the signed manifest says
	// (size or sha256).
	ErrCorrupt = errors.New("update: payload does not match the manifest")
)

// Format is the bundle format this code reads and writes.
const Format = 1

// Entry names of a bundle, in stream order: manifest, signature, the
// boot files, the root image.
const (
	manifestName = "manifest.json"
	sigName      = "manifest.sig"
	bootPrefix   = "boot/"
	rootName     = "root.ext4.gz"
)

// Bounds on what a bundle may declare: the manifest is read in memory,
// the boot files go to the FAT boot partition (256 MiB for firmware and
// two slots).
const (
	maxManifest  = 64 << 10
	maxBootFiles = 64
	maxBootFile  = 64 << 20
	maxBootTotal = 96 << 20
	maxCmdline   = 4 << 10
)

// Boards an image is built for (board/<name>/).
var Boards = []string{"qemu", "rpi3", "rpi4", "zero2w"}

// Placeholder is replaced by the slot letter in a bundle's cmdline.txt:
// the kernel of slot b mounts root=LABEL=cozy-root-b.
const Placeholder = "@SLOT@"

// BootFile is one file of a slot directory on the boot partition.
type BootFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// RootImage describes the root file system image of a bundle.
type RootImage struct {
	Size     int64  `json:"size"`     // bytes of the uncompressed ext4 image
	SHA256   string `json:"sha256"`   // of the uncompressed image
	Encoding string `json:"encoding"` // "gzip"
}

// Manifest is manifest.json: what a bundle holds, signed.
type Manifest struct {
	Format  int        `json:"format"`
	Version string     `json:"version"`
	Board   string     `json:"board"`
	Kernel  string     `json:"kernel"`
	Created time.Time  `json:"created"`
	Boot    []BootFile `json:"boot"`
	Root    RootImage  `json:"root"`
}

var (
	hexSHA256   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	bootNameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)
	requiredSet = []string{"vmlinuz", "initrd.img", "cmdline.txt"}
)

// validName tells whether name may be a file of a slot directory: plain,
// no separator, no dot-dot, nothing the FAT boot partition would refuse.
func validName(name string) bool {
	return bootNameRE.MatchString(name) && !strings.Contains(name, "..")
}

// printable tells whether s is a short line of printable text (a version,
// a kernel release): shown in status lines and written to files.
func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == '/' {
			return false
		}
	}
	return true
}

// validate checks a manifest's fields (after its signature is checked).
func (m *Manifest) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: manifest: %s", ErrBadBundle, fmt.Sprintf(format, args...))
	}
	if m.Format != Format {
		return bad("format %d, this box reads format %d", m.Format, Format)
	}
	if !printable(m.Version, 64) {
		return bad("bad version %q", m.Version)
	}
	if !knownBoard(m.Board) {
		return bad("unknown board %q", m.Board)
	}
	if m.Kernel != "" && !printable(m.Kernel, 64) {
		return bad("bad kernel %q", m.Kernel)
	}
	if len(m.Boot) == 0 || len(m.Boot) > maxBootFiles {
		return bad("%d boot files (1 to %d)", len(m.Boot), maxBootFiles)
	}
	seen := map[string]bool{}
	var total int64
	for _, f := range m.Boot {
		if !validName(f.Name) {
			return bad("bad boot file name %q", f.Name)
		}
		if seen[strings.ToLower(f.Name)] { // FAT folds case
			return bad("boot file %q twice", f.Name)
		}
		seen[strings.ToLower(f.Name)] = true
		if f.Size < 0 || f.Size > maxBootFile || f.Name == "cmdline.txt" && f.Size > maxCmdline {
			return fmt.Errorf("%w: boot file %s of %d bytes", ErrTooLarge, f.Name, f.Size)
		}
		if !hexSHA256.MatchString(f.SHA256) {
			return bad("bad sha256 for %s", f.Name)
		}
		total += f.Size
	}
	if total > maxBootTotal {
		return fmt.Errorf("%w: boot files of %d bytes in all (at most %d)", ErrTooLarge, total, maxBootTotal)
	}
	for _, n := range requiredSet {
		if !seen[n] {
			return bad("no boot file %s", n)
		}
	}
	if m.Root.Encoding != "gzip" {
		return bad("root encoding %q (gzip only)", m.Root.Encoding)
	}
	if m.Root.Size <= 0 || m.Root.Size%512 != 0 {
		return bad("root image of %d bytes (a positive multiple of 512)", m.Root.Size)
	}
	if !hexSHA256.MatchString(m.Root.SHA256) {
		return bad("bad root sha256")
	}
	return nil
}

func knownBoard(b string) bool {
	for _, k := range Boards {
		if b == k {
			return true
		}
	}
	return false
}

// Reader reads a bundle from a stream, checking as it goes: ReadBundle
// reads and verifies the signed manifest, Next hands out the payloads in
// order, each hashed while read. Memory stays bounded whatever the
// stream holds: the manifest is at most 64 KiB and payloads are never
// buffered.
type Reader struct {
	Manifest Manifest
	// Signer is the index of the trusted key that signed the manifest.
	Signer int

	tr      *tar.Reader
	src     *countingReader // under tr: tells whether the stream ends properly
	rootPad int64           // the padding after the root entry
	next    int             // index of the next boot file; len(Boot) for the root
	current *Payload        // the payload handed out last
	done    bool
}

// ReadBundle reads manifest.json and manifest.sig from r and checks the
// signature against keys, then the manifest's fields. Nothing of the
// payloads is read yet.
func ReadBundle(r io.Reader, keys []ed25519.PublicKey) (*Reader, error) {
	b := &Reader{src: &countingReader{r: r}}
	b.tr = tar.NewReader(b.src)
	raw, err := b.small(manifestName, maxManifest)
	if err != nil {
		return nil, err
	}
	sig, err := b.small(sigName, ed25519.SignatureSize)
	if err != nil {
		return nil, err
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, want %d", ErrBadSignature, sigName, len(sig), ed25519.SignatureSize)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: this box trusts no update key (%s is empty)", ErrBadSignature, KeysDir)
	}
	b.Signer = -1
	for i, k := range keys {
		if ed25519.Verify(k, raw, sig) {
			b.Signer = i
			break
		}
	}
	if b.Signer < 0 {
		return nil, fmt.Errorf("%w: the manifest is not signed by a key this box trusts", ErrBadSignature)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b.Manifest); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrBadBundle, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: manifest: data after the JSON object", ErrBadBundle)
	}
	if err := b.Manifest.validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// Check refuses a bundle for another board, or whose root image does not
// fit a slot of slotSize bytes.
func (b *Reader) Check(board string, slotSize int64) error {
	if b.Manifest.Board != board {
		return fmt.Errorf("%w: the bundle is for %s, this box is %s", ErrWrongBoard, b.Manifest.Board, board)
	}
	if b.Manifest.Root.Size > slotSize {
		return fmt.Errorf("%w: the root image is %d bytes, the slot %d", ErrTooLarge, b.Manifest.Root.Size, slotSize)
	}
	return nil
}

// header reads the next tar header and checks that it is the regular
// file name.
func (b *Reader) header(name string) (*tar.Header, error) {
	h, err := b.tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the stream ends before %s", ErrBadBundle, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBundle, err)
	}
	if h.Name != name {
		return nil, fmt.Errorf("%w: entry %q where %s was expected", ErrBadBundle, h.Name, name)
	}
	if h.Typeflag != tar.TypeReg {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrBadBundle, name)
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return nil, fmt.Errorf("%w: %s is a sparse file", ErrBadBundle, name)
		}
	}
	return h, nil
}

// small reads a whole entry of at most max bytes.
func (b *Reader) small(name string, max int64) ([]byte, error) {
	h, err := b.header(name)
	if err != nil {
		return nil, err
	}
	if h.Size > max {
		return nil, fmt.Errorf("%w: %s of %d bytes (at most %d)", ErrBadBundle, name, h.Size, max)
	}
	data, err := io.ReadAll(b.tr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadBundle, name, err)
	}
	return data, nil
}

// Payload is one payload of a bundle: a boot file or the root image
// (uncompressed). Read returns ErrCorrupt instead of io.EOF when what was
// read differs from the manifest, so a copy that succeeds has written
// exactly the signed content.
type Payload struct {
	Name string // boot file name; "" for the root image
	Size int64  // bytes Read yields

	r    io.Reader
	h    hash.Hash
	want string
	n    int64
	end  func() error // checks after the last byte (the gzip stream's end)
	err  error
}

// IsRoot tells whether p is the root image.
func (p *Payload) IsRoot() bool { return p.Name == "" }

// Read reads the payload, hashing it.
func (p *Payload) Read(buf []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if rest := p.Size - p.n + 1; int64(len(buf)) > rest {
		buf = buf[:rest] // one byte more than declared tells a longer stream
	}
	n, err := p.r.Read(buf)
	p.n += int64(n)
	p.h.Write(buf[:n])
	if p.n > p.Size {
		p.err = fmt.Errorf("%w: %s is longer than %d bytes", ErrCorrupt, p.label(), p.Size)
		return n, p.err
	}
	switch {
	case errors.Is(err, io.EOF):
		p.err = p.finish()
		return n, p.err
	case err != nil:
		p.err = fmt.Errorf("%w: %s: %v", ErrBadBundle, p.label(), err)
		return n, p.err
	}
	return n, nil
}

func (p *Payload) label() string {
	if p.IsRoot() {
		return "root image"
	}
	return "boot/" + p.Name
}

// finish checks size and hash once the stream of the payload ended.
func (p *Payload) finish() error {
	if p.n != p.Size {
		return fmt.Errorf("%w: %s is %d bytes, the manifest says %d", ErrCorrupt, p.label(), p.n, p.Size)
	}
	if got := hex.EncodeToString(p.h.Sum(nil)); got != p.want {
		return fmt.Errorf("%w: %s has sha256 %s, the manifest says %s", ErrCorrupt, p.label(), got, p.want)
	}
	if p.end != nil {
		if err := p.end(); err != nil {
			return err
		}
	}
	return io.EOF
}

// complete tells whether the payload was read to its verified end.
func (p *Payload) complete() bool { return errors.Is(p.err, io.EOF) }

// Next returns the next payload: the boot files in manifest order, then
// the root image, then io.EOF once the stream's end is checked. Each
// payload must be read to its end (io.EOF) before the next one.
func (b *Reader) Next() (*Payload, error) {
	if b.current != nil && !b.current.complete() {
		return nil, fmt.Errorf("%w: %s not read to its end", ErrBadBundle, b.current.label())
	}
	if b.done {
		return nil, io.EOF
	}
	m := &b.Manifest
	if b.next < len(m.Boot) {
		f := m.Boot[b.next]
		h, err := b.header(bootPrefix + f.Name)
		if err != nil {
			return nil, err
		}
		if h.Size != f.Size {
			return nil, fmt.Errorf("%w: boot/%s is %d bytes, the manifest says %d", ErrCorrupt, f.Name, h.Size, f.Size)
		}
		b.next++
		b.current = &Payload{Name: f.Name, Size: f.Size, r: b.tr, h: sha256.New(), want: f.SHA256}
		return b.current, nil
	}
	if b.next == len(m.Boot) {
		h, err := b.header(rootName)
		if err != nil {
			return nil, err
		}
		// gzip stored blocks add 5 bytes per 64 KiB: more than that is
		// not the image (and would be read for nothing).
		if h.Size > m.Root.Size+m.Root.Size/1000+(1<<20) {
			return nil, fmt.Errorf("%w: %s of %d bytes for an image of %d", ErrTooLarge, rootName, h.Size, m.Root.Size)
		}
		b.next++
		b.rootPad = (512 - h.Size%512) % 512
		br := bufio.NewReaderSize(b.tr, 256<<10)
		zr, err := newGzipReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadBundle, rootName, err)
		}
		b.current = &Payload{Size: m.Root.Size, r: zr, h: sha256.New(), want: m.Root.SHA256,
			end: func() error {
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
					return fmt.Errorf("%w: data after the root image's gzip stream", ErrBadBundle)
				}
				return nil
			}}
		return b.current, nil
	}
	pos := b.src.n
	if _, err := b.tr.Next(); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, fmt.Errorf("%w: an entry after %s", ErrBadBundle, rootName)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadBundle, err)
	}
	// archive/tar takes a stream that stops at an entry's end for a
	// complete one; a bundle ends with its two zero blocks, or it was cut.
	if b.src.n-pos != b.rootPad+1024 {
		return nil, fmt.Errorf("%w: the stream ends without the end-of-archive blocks (cut short?)", ErrBadBundle)
	}
	b.done = true
	return nil, io.EOF
}
