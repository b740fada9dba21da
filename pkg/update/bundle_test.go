package update

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testKey is a fixed key pair: the fuzz corpus stays valid across runs.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

func testKeys() []ed25519.PublicKey { return []ed25519.PublicKey{testKey.Public().(ed25519.PublicKey)} }

// fakeExt4 is an image with an ext4 superblock magic and some content:
// enough for the bundle code, which does not mount it.
func fakeExt4(size int) []byte {
	img := make([]byte, size)
	binary.LittleEndian.PutUint16(img[sbOffset+sbMagic:], ext4Magic)
	for i := 8192; i < size; i += 4096 {
		copy(img[i:], fmt.Sprintf("block %d ", i))
	}
	return img
}

// part is one tar entry of a crafted stream.
type part struct {
	name string
	data []byte
	typ  byte
}

// craft writes entries as a tar stream, the way a hostile or broken
// builder could.
func craft(t testing.TB, parts ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range parts {
		typ := p.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: p.name, Mode: 0o644, Size: int64(len(p.data)), Typeflag: typ, Format: tar.FormatPAX}
		if typ != tar.TypeReg {
			h.Size = 0
			h.Linkname = "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(p.data)
		}
	}
	tw.Close()
	return buf.Bytes()
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// testBundle is a consistent set of payloads, its manifest and the
// entries of a valid stream, to be broken one way at a time.
type testBundle struct {
	m     Manifest
	boot  map[string][]byte
	root  []byte
	parts []part // manifest, sig, boot files, root
}

func newTestBundle(t testing.TB) *testBundle {
	tb := &testBundle{boot: map[string][]byte{
		"cmdline.txt": []byte("console=ttyAMA0 root=LABEL=cozy-root-@SLOT@ ro\n"),
		"initrd.img":  bytes.Repeat([]byte("i"), 3000),
		"vmlinuz":     bytes.Repeat([]byte("k"), 5000),
		"version":     []byte("v2\n"),
	}, root: fakeExt4(256 << 10)}
	tb.m = Manifest{Format: Format, Version: "v2", Board: "qemu", Kernel: "6.1.0-57-arm64", Created: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
		Root: RootImage{Size: int64(len(tb.root)), SHA256: sum(tb.root), Encoding: "gzip"}}
	for _, n := range []string{"cmdline.txt", "initrd.img", "vmlinuz", "version"} {
		tb.m.Boot = append(tb.m.Boot, BootFile{Name: n, Size: int64(len(tb.boot[n])), SHA256: sum(tb.boot[n])})
	}
	tb.parts = tb.entries(t, tb.m)
	return tb
}

func (tb *testBundle) entries(t testing.TB, m Manifest) []part {
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	parts := []part{{name: manifestName, data: raw}, {name: sigName, data: ed25519.Sign(testKey, raw)}}
	for _, f := range m.Boot {
		parts = append(parts, part{name: bootPrefix + f.Name, data: tb.boot[f.Name]})
	}
	return append(parts, part{name: rootName, data: gz(tb.root)})
}

// readAll reads a bundle to its end as the updater does, payloads
// discarded, and returns the first error.
func readAll(r io.Reader) error {
	b, err := ReadBundle(r, testKeys())
	if err != nil {
		return err
	}
	for {
		p, err := b.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, p); err != nil {
			return err
		}
	}
}

func TestBundleValid(t *testing.T) {
	tb := newTestBundle(t)
	if err := readAll(bytes.NewReader(craft(t, tb.parts...))); err != nil {
		t.Fatal(err)
	}
}

// TestBundleRefuses breaks a valid bundle one way at a time: every
// variant is refused with the right error.
func TestBundleRefuses(t *testing.T) {
	tb := newTestBundle(t)
	valid := tb.parts
	with := func(f func(p []part) []part) []part {
		c := append([]part(nil), valid...)
		return f(c)
	}
	signed := func(edit func(m *Manifest)) []part {
		m := tb.m
		m.Boot = append([]BootFile(nil), tb.m.Boot...)
		edit(&m)
		return tb.entries(t, m)
	}
	_, stranger, _ := ed25519.GenerateKey(nil)
	bomb := make([]byte, 8<<20) // 8 MiB of zeros for a manifest saying 256 KiB
	for _, tc := range []struct {
		name  string
		parts []part
		want  error
	}{
		{"empty stream", nil, ErrBadBundle},
		{"signature first", with(func(p []part) []part { p[0], p[1] = p[1], p[0]; return p }), ErrBadBundle},
		{"no signature", with(func(p []part) []part { return append(p[:1:1], p[2:]...) }), ErrBadBundle},
		{"signature of another key", with(func(p []part) []part {
			p[1] = part{name: sigName, data: ed25519.Sign(stranger, p[0].data)}
			return p
		}), ErrBadSignature},
		{"short signature", with(func(p []part) []part { p[1] = part{name: sigName, data: p[1].data[:63]}; return p }), ErrBadSignature},
		{"manifest edited after signing", with(func(p []part) []part {
			p[0] = part{name: manifestName, data: bytes.Replace(p[0].data, []byte(`"qemu"`), []byte(`"rpi4"`), 1)}
			return p
		}), ErrBadSignature},
		{"oversize manifest", with(func(p []part) []part {
			p[0] = part{name: manifestName, data: bytes.Repeat([]byte(" "), maxManifest+1)}
			return p
		}), ErrBadBundle},
		{"boot files reordered", with(func(p []part) []part { p[2], p[3] = p[3], p[2]; return p }), ErrBadBundle},
		{"root before boot files", with(func(p []part) []part { return append(append(p[:2:2], p[6]), p[2:6]...) }), ErrBadBundle},
		{"boot file missing", with(func(p []part) []part { return append(p[:3:3], p[4:]...) }), ErrBadBundle},
		{"boot file swapped for another", with(func(p []part) []part {
			p[3] = part{name: p[3].name, data: bytes.Repeat([]byte("x"), len(p[3].data))}
			return p
		}), ErrCorrupt},
		{"boot file longer than signed", with(func(p []part) []part { p[3] = part{name: p[3].name, data: append(p[3].data, 'x')}; return p }), ErrCorrupt},
		{"root image swapped", with(func(p []part) []part {
			img := fakeExt4(len(tb.root))
			img[100000] = 1
			p[6] = part{name: rootName, data: gz(img)}
			return p
		}), ErrCorrupt},
		{"root image shorter", with(func(p []part) []part { p[6] = part{name: rootName, data: gz(tb.root[:len(tb.root)-512])}; return p }), ErrCorrupt},
		{"decompression bomb", with(func(p []part) []part { p[6] = part{name: rootName, data: gz(bomb)}; return p }), ErrCorrupt},
		{"root not gzip", with(func(p []part) []part { p[6] = part{name: rootName, data: tb.root}; return p }), ErrBadBundle},
		{"garbage after the gzip stream", with(func(p []part) []part {
			p[6] = part{name: rootName, data: append(gz(tb.root), "trailing"...)}
			return p
		}), ErrBadBundle},
		{"entry after the root", with(func(p []part) []part { return append(p, part{name: "boot/extra", data: []byte("x")}) }), ErrBadBundle},
		{"path trick in the stream", with(func(p []part) []part { p[2] = part{name: "boot/../cmdline.txt", data: p[2].data}; return p }), ErrBadBundle},
		{"absolute path", with(func(p []part) []part { p[0] = part{name: "/" + manifestName, data: p[0].data}; return p }), ErrBadBundle},
		{"symlink", with(func(p []part) []part { p[2] = part{name: p[2].name, typ: tar.TypeSymlink}; return p }), ErrBadBundle},
		{"hard link", with(func(p []part) []part { p[2] = part{name: p[2].name, typ: tar.TypeLink}; return p }), ErrBadBundle},
		{"directory", with(func(p []part) []part { p[2] = part{name: p[2].name, typ: tar.TypeDir}; return p }), ErrBadBundle},
		{"signed path trick", signed(func(m *Manifest) { m.Boot[0].Name = "../config.txt" }), ErrBadBundle},
		{"signed sub-directory", signed(func(m *Manifest) { m.Boot[0].Name = "overlays/x.dtbo" }), ErrBadBundle},
		{"signed name twice", signed(func(m *Manifest) { m.Boot[1].Name = "CMDLINE.TXT" }), ErrBadBundle},
		{"signed for an unknown board", signed(func(m *Manifest) { m.Board = "pi5" }), ErrBadBundle},
		{"signed future format", signed(func(m *Manifest) { m.Format = 2 }), ErrBadBundle},
		{"signed odd encoding", signed(func(m *Manifest) { m.Root.Encoding = "zstd" }), ErrBadBundle},
		{"signed huge boot file", signed(func(m *Manifest) { m.Boot[2].Size = maxBootFile + 1 }), ErrTooLarge},
		{"signed huge cmdline", signed(func(m *Manifest) { m.Boot[0].Size = maxCmdline + 1 }), ErrTooLarge},
		{"signed without kernel", signed(func(m *Manifest) { m.Boot = m.Boot[:2] }), ErrBadBundle},
		{"signed version with a newline", signed(func(m *Manifest) { m.Version = "v2\nCOZY_BOARD=x" }), ErrBadBundle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := readAll(bytes.NewReader(craft(t, tc.parts...)))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestBundleTruncated cuts a valid bundle all along it, and at every
// byte of its last entry's end and end-of-archive blocks: never accepted.
func TestBundleTruncated(t *testing.T) {
	full := craft(t, newTestBundle(t).parts...)
	for cut := 0; cut < len(full); cut++ {
		if cut%509 != 0 && cut < len(full)-1100 {
			continue
		}
		if err := readAll(bytes.NewReader(full[:cut])); err == nil {
			t.Fatalf("accepted a bundle cut at %d of %d", cut, len(full))
		}
	}
}

// endless is a stream that never ends: what an oversize entry header
// announces. It counts what was read of it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// TestBundleOversizeHeadersBounded: entries announcing gigabytes are
// refused from their header, after reading a bounded amount.
func TestBundleOversizeHeadersBounded(t *testing.T) {
	tb := newTestBundle(t)
	head := func(name string, size int64) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
		tw.Flush()
		return buf.Bytes()
	}
	beforeRoot := craftNoEnd(t, tb.parts[:6]...)
	for _, tc := range []struct {
		name   string
		prefix []byte
		want   error
	}{
		{"manifest of 10 GiB", head(manifestName, 10<<30), ErrBadBundle},
		{"signature of 10 GiB", append(craftNoEnd(t, tb.parts[0]), head(sigName, 10<<30)...), ErrBadBundle},
		{"kernel of 10 GiB", append(craftNoEnd(t, tb.parts[:4]...), head(bootPrefix+"vmlinuz", 10<<30)...), ErrCorrupt},
		{"root of 10 GiB compressed", append(beforeRoot, head(rootName, 10<<30)...), ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &endless{}
			err := readAll(io.MultiReader(bytes.NewReader(tc.prefix), src))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if src.n > 1<<20 {
				t.Fatalf("read %d bytes of the oversize entry", src.n)
			}
		})
	}
}

func craftNoEnd(t testing.TB, parts ...part) []byte {
	b := craft(t, parts...)
	return b[:len(b)-1024]
}

// TestWriteBundleRoundTrip: what WriteBundle writes, ReadBundle reads,
// with the root image compressed in several members (chunks) by several
// workers, and cmdline.txt checked.
func TestWriteBundleRoundTrip(t *testing.T) {
	dir := t.TempDir()
	boot := filepath.Join(dir, "boot")
	os.MkdirAll(boot, 0o755)
	os.WriteFile(filepath.Join(boot, "vmlinuz"), []byte("kernel"), 0o644)
	os.WriteFile(filepath.Join(boot, "initrd.img"), []byte("initrd"), 0o644)
	os.WriteFile(filepath.Join(boot, "version"), []byte("ignored\n"), 0o644)
	os.WriteFile(filepath.Join(boot, "cmdline.txt"), []byte("root=LABEL=cozy-root-a ro\n"), 0o644)
	img := fakeExt4(3*chunkSize + 12345*512)
	os.WriteFile(filepath.Join(dir, "root.ext4"), img, 0o644)
	spec := BundleSpec{Key: testKey, Board: "rpi4", Version: "v9", Kernel: "6.1", BootDir: boot, Root: filepath.Join(dir, "root.ext4"), Workers: 3}
	out := filepath.Join(dir, "out.bundle")
	if _, err := WriteBundle(context.Background(), out, spec); err == nil || !strings.Contains(err.Error(), "@SLOT@") {
		t.Fatalf("a cmdline.txt without the placeholder: %v", err)
	}
	os.WriteFile(filepath.Join(boot, "cmdline.txt"), []byte("root=LABEL=cozy-root-@SLOT@ ro\n"), 0o644)
	m, err := WriteBundle(context.Background(), out, spec)
	if err != nil {
		t.Fatal(err)
	}
	if m.Root.Size != int64(len(img)) || m.Root.SHA256 != sum(img) {
		t.Fatalf("root %+v", m.Root)
	}
	f, _ := os.Open(out)
	defer f.Close()
	b, err := ReadBundle(f, testKeys())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check("rpi4", int64(len(img))); err != nil {
		t.Fatal(err)
	}
	var names []string
	var root bytes.Buffer
	for {
		p, err := b.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.IsRoot() {
			io.Copy(&root, p)
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name == "version" && string(data) != "v9\n" {
			t.Fatalf("version %q", data)
		}
		names = append(names, p.Name)
	}
	if !bytes.Equal(root.Bytes(), img) {
		t.Fatal("root image differs")
	}
	if strings.Join(names, ",") != "cmdline.txt,initrd.img,vmlinuz,version" {
		t.Fatalf("boot files %v", names)
	}
	if info, _ := os.Stat(out); info.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", info.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// FuzzBundle feeds the reader a signed manifest (of the fuzzer's
// choosing, so the manifest checks are fuzzed too) followed by arbitrary
// bytes. Whatever the input: no panic, bounded reads, and a bundle read
// to its end yields exactly the payloads its manifest signs.
func FuzzBundle(f *testing.F) {
	tb := newTestBundle(f)
	valid := craft(f, tb.parts...)
	head := craftNoEnd(f, tb.parts[:2]...)
	f.Add(tb.parts[0].data, valid[len(head):])
	f.Add(tb.parts[0].data, valid[len(head):len(head)+700])
	f.Add([]byte(`{"format":1}`), []byte{})
	f.Fuzz(func(t *testing.T, manifest, tail []byte) {
		if len(manifest) > maxManifest {
			return
		}
		stream := append(craftNoEnd(t, part{name: manifestName, data: manifest}, part{name: sigName, data: ed25519.Sign(testKey, manifest)}), tail...)
		b, err := ReadBundle(bytes.NewReader(stream), testKeys())
		if err != nil {
			return
		}
		for {
			p, err := b.Next()
			if err != nil {
				return
			}
			h := sha256.New()
			n, err := io.Copy(h, p)
			if n > p.Size+1 {
				t.Fatalf("read %d bytes of a %d-byte payload", n, p.Size)
			}
			if err != nil {
				return
			}
			want := b.Manifest.Root.SHA256
			if !p.IsRoot() {
				for _, f := range b.Manifest.Boot {
					if f.Name == p.Name {
						want = f.SHA256
					}
				}
			}
			if n != p.Size || hex.EncodeToString(h.Sum(nil)) != want {
				t.Fatalf("payload %q accepted with %d bytes, hash %x", p.Name, n, h.Sum(nil))
			}
		}
	})
}
