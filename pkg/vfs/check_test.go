package vfs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func kinds(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Kind)
	}
	slices.Sort(out)
	return out
}

func TestCheckReportsAndRepairs(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	keep := put1(t, fs, "", "keep.txt", "keep")
	lost := put1(t, fs, "", "lost.txt", "lost")
	changed := put1(t, fs, "", "changed.txt", "abc")
	if ps, err := fs.Check(ctx, CheckOptions{VerifyMD5: true}); err != nil || len(ps) != 0 {
		t.Fatalf("clean VFS: %v %v", ps, err)
	}
	// What a crash can leave, and outside damage.
	os.WriteFile(filepath.Join(fs.blobs.dir, "tmp", "upload-1"), []byte("partial"), 0o600)
	os.WriteFile(fs.blobs.path(keep.ID, "0000"), []byte("old version"), 0o600)
	os.MkdirAll(filepath.Dir(fs.blobs.path("no-such-file", "1111")), 0o700)
	os.WriteFile(fs.blobs.path("no-such-file", "1111"), []byte("x"), 0o600)
	os.Remove(fs.blobs.path(lost.ID, lost.InternalID))
	os.WriteFile(fs.blobs.path(changed.ID, changed.InternalID), []byte("xyz"), 0o600)

	want := []string{ProblemContentMismatch, ProblemMissingContent, ProblemOrphanContent, ProblemOrphanContent, ProblemTempFile}
	ps, err := fs.Check(ctx, CheckOptions{VerifyMD5: true})
	if err != nil || !slices.Equal(kinds(ps), want) {
		t.Fatalf("problems %v, want %v (%v)", kinds(ps), want, err)
	}
	if ps, _ = fs.Check(ctx, CheckOptions{VerifyMD5: true}); len(ps) != len(want) {
		t.Fatal("a check without Repair changed something")
	}
	ps, err = fs.Check(ctx, CheckOptions{Repair: true, VerifyMD5: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Kind != ProblemContentMismatch && !p.Repaired {
			t.Errorf("not repaired: %+v", p)
		}
	}
	ps, _ = fs.Check(ctx, CheckOptions{VerifyMD5: true})
	if !slices.Equal(kinds(ps), []string{ProblemContentMismatch}) {
		t.Fatalf("after repair: %v", ps)
	}
	if got := content(t, fs, keep); got != "keep" {
		t.Fatalf("kept file: %q", got)
	}
	if used, _ := fs.Usage(); used != 7 {
		t.Fatalf("usage after repair = %d, want 7", used)
	}
}
