package certstore

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

func openTemp(t *testing.T, opts Options) *Storage {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "box.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreLoadDeleteExistsStat(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	if _, err := s.Load(ctx, "nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load missing: %v", err)
	}
	if _, err := s.Stat(ctx, "nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat missing: %v", err)
	}
	if err := s.Delete(ctx, "nothing"); err != nil {
		t.Fatalf("Delete missing: %v", err)
	}
	before := time.Now()
	key := "certificates/acme-v02/example.test/example.test.crt"
	if err := s.Store(ctx, key, []byte("PEM")); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Load(ctx, key); err != nil || string(v) != "PEM" {
		t.Fatalf("Load: %q %v", v, err)
	}
	info, err := s.Stat(ctx, key)
	if err != nil || !info.IsTerminal || info.Size != 3 || info.Key != key || info.Modified.Before(before.Add(-time.Millisecond)) {
		t.Fatalf("Stat: %+v %v", info, err)
	}
	// Every prefix is a directory.
	for _, dir := range []string{"certificates", "certificates/acme-v02", "certificates/acme-v02/example.test/"} {
		info, err := s.Stat(ctx, dir)
		if err != nil || info.IsTerminal || !s.Exists(ctx, dir) {
			t.Fatalf("Stat dir %q: %+v %v", dir, info, err)
		}
	}
	// A sibling sharing a string prefix is not below the key.
	if err := s.Store(ctx, "certificates/acme-v02/example.test2/x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, "certificates/acme-v0") || s.Exists(ctx, "certificates/acme-v02/example.test/example") {
		t.Fatal("a partial component counts as a directory")
	}
	// Deleting a directory removes what is below it and nothing else.
	if err := s.Delete(ctx, "certificates/acme-v02/example.test"); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, key) || s.Exists(ctx, "certificates/acme-v02/example.test") {
		t.Fatal("directory survived Delete")
	}
	if !s.Exists(ctx, "certificates/acme-v02/example.test2/x") {
		t.Fatal("Delete removed a sibling")
	}
	// Overwrite, then the value is the new one.
	s.Store(ctx, "a", []byte("1"))
	s.Store(ctx, "a", []byte("22"))
	if v, _ := s.Load(ctx, "a"); string(v) != "22" {
		t.Fatalf("overwrite: %q", v)
	}
	// A returned value is the caller's: changing it changes nothing stored.
	v, _ := s.Load(ctx, "a")
	v[0] = 'X'
	if v2, _ := s.Load(ctx, "a"); string(v2) != "22" {
		t.Fatal("Load returned the stored bytes")
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	for _, k := range []string{
		"acme/ca/users/a@x/a.json", "acme/ca/users/a@x/a.key",
		"acme/ca/users/b@x/b.json", "acme/other", "ocsp/o1",
	} {
		if err := s.Store(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path      string
		recursive bool
		want      []string
	}{
		{"acme/ca/users", false, []string{"acme/ca/users/a@x", "acme/ca/users/b@x"}},
		{"acme", false, []string{"acme/ca", "acme/other"}},
		{"acme/", true, []string{"acme/ca", "acme/ca/users", "acme/ca/users/a@x", "acme/ca/users/a@x/a.json", "acme/ca/users/a@x/a.key", "acme/ca/users/b@x", "acme/ca/users/b@x/b.json", "acme/other"}},
		{"", false, []string{"acme", "ocsp"}},
	}
	for _, tc := range tests {
		got, err := s.List(ctx, tc.path, tc.recursive)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("List(%q, %v) = %v, %v; want %v", tc.path, tc.recursive, got, err, tc.want)
		}
	}
	if _, err := s.List(ctx, "nothing", false); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("List missing: %v", err)
	}
}

// TestAgainstFileStorage runs random operations on this store and on
// certmagic's own FileStorage and expects the same observable results:
// certmagic's expectations are FileStorage's behaviour.
func TestAgainstFileStorage(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	f := &certmagic.FileStorage{Path: t.TempDir()}
	r := rand.New(rand.NewPCG(1, 2))
	comps := []string{"a", "b", "c"}
	randKey := func() string {
		n := 1 + r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = comps[r.IntN(len(comps))]
		}
		return strings.Join(parts, "/")
	}
	for i := range 300 {
		k := randKey()
		switch op := r.IntN(10); {
		case op < 4:
			// FileStorage cannot store a file where a directory is, or
			// below a file: skip those keys for both.
			if f.Exists(ctx, k) {
				if info, _ := f.Stat(ctx, k); !info.IsTerminal {
					continue
				}
			}
			if blocked(ctx, f, k) {
				continue
			}
			v := []byte{byte(i)}
			errS, errF := s.Store(ctx, k, v), f.Store(ctx, k, v)
			if (errS == nil) != (errF == nil) {
				t.Fatalf("%d Store(%q): %v vs %v", i, k, errS, errF)
			}
		case op < 5:
			if blocked(ctx, f, k) {
				continue
			}
			errS, errF := s.Delete(ctx, k), f.Delete(ctx, k)
			if (errS == nil) != (errF == nil) {
				t.Fatalf("%d Delete(%q): %v vs %v", i, k, errS, errF)
			}
		}
		// Compare every possible key after each step.
		for _, q := range allKeys(comps) {
			if blocked(ctx, f, q) || emptyDir(ctx, f, q) {
				// Below a file FileStorage says ENOTDIR where we say not
				// found, and it keeps emptied directories; bbolt has
				// neither.
				continue
			}
			vs, errS := s.Load(ctx, q)
			infoF, errStat := f.Stat(ctx, q)
			if errStat == nil && !infoF.IsTerminal {
				// FileStorage.Load of a directory is an I/O error.
				if !errors.Is(errS, fs.ErrNotExist) {
					t.Fatalf("%d Load(dir %q): %v", i, q, errS)
				}
			} else {
				vf, errF := f.Load(ctx, q)
				if errors.Is(errS, fs.ErrNotExist) != errors.Is(errF, fs.ErrNotExist) || string(vs) != string(vf) {
					t.Fatalf("%d Load(%q): %q,%v vs %q,%v", i, q, vs, errS, vf, errF)
				}
			}
			if s.Exists(ctx, q) != f.Exists(ctx, q) {
				t.Fatalf("%d Exists(%q) differs", i, q)
			}
			infoS, errS := s.Stat(ctx, q)
			if (errS == nil) != (errStat == nil) || infoS.IsTerminal != infoF.IsTerminal || (infoF.IsTerminal && infoS.Size != infoF.Size) {
				t.Fatalf("%d Stat(%q): %+v,%v vs %+v,%v", i, q, infoS, errS, infoF, errStat)
			}
			for _, rec := range []bool{false, true} {
				ls, errS := s.List(ctx, q, rec)
				lf, errF := f.List(ctx, q, rec)
				if errStat == nil && infoF.IsTerminal {
					continue // listing a file: FileStorage gives nothing, no error
				}
				lf = slices.DeleteFunc(lf, func(k string) bool { return emptyDir(ctx, f, k) })
				if len(lf) == 0 && errF == nil {
					errF = fs.ErrNotExist
				}
				slices.Sort(ls)
				slices.Sort(lf)
				if (errS == nil) != (errF == nil) || !slices.Equal(ls, lf) {
					t.Fatalf("%d List(%q,%v): %v,%v vs %v,%v", i, q, rec, ls, errS, lf, errF)
				}
			}
		}
	}
}

// blocked tells whether k cannot be a file in FileStorage because one of
// its parents is a file.
func blocked(ctx context.Context, f *certmagic.FileStorage, k string) bool {
	parts := strings.Split(k, "/")
	for i := 1; i < len(parts); i++ {
		if info, err := f.Stat(ctx, strings.Join(parts[:i], "/")); err == nil && info.IsTerminal {
			return true
		}
	}
	return false
}

// emptyDir tells whether k is a directory of FileStorage with no file
// below it.
func emptyDir(ctx context.Context, f *certmagic.FileStorage, k string) bool {
	info, err := f.Stat(ctx, k)
	if err != nil || info.IsTerminal {
		return false
	}
	below, _ := f.List(ctx, k, true)
	for _, b := range below {
		if info, err := f.Stat(ctx, b); err == nil && info.IsTerminal {
			return false
		}
	}
	return true
}

// allKeys lists every key of up to three components.
func allKeys(comps []string) []string {
	var out []string
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		if depth == 3 {
			return
		}
		for _, c := range comps {
			k := c
			if prefix != "" {
				k = prefix + "/" + c
			}
			out = append(out, k)
			walk(k, depth+1)
		}
	}
	walk("", 0)
	return out
}

func TestPersistsAcrossOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "box.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Store(ctx, "k", []byte("v"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Load(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
}

func TestInvalidKeys(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{})
	for _, k := range []string{"a/../b", "./a", "a\x00b"} {
		if err := s.Store(ctx, k, nil); err == nil {
			t.Errorf("Store(%q) accepted", k)
		}
	}
}
