package vfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

var album = Reference{Type: "io.cozy.photos.albums", ID: "album1"}

func TestReferencesToPages(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	var ids []string
	for i := 0; i < 25; i++ {
		// Datetimes run backwards from the names.
		meta := json.RawMessage(fmt.Sprintf(`{"datetime":"2020-01-01T00:00:%02dZ"}`, 59-i))
		f, err := fs.CreateFile(ctx, FileOptions{Name: fmt.Sprintf("p%02d.jpg", i), Size: 1, Metadata: meta}, strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	if err := fs.AddReferencesTo(ctx, album, ids); err != nil {
		t.Fatal(err)
	}
	byID := slices.Clone(ids)
	slices.Sort(byID)
	byDate := slices.Clone(ids)
	slices.Reverse(byDate)
	tests := []struct {
		name string
		opts RefsOptions
		want []string
	}{
		{"by id", RefsOptions{Limit: 100}, byID},
		{"by datetime", RefsOptions{ByDatetime: true}, byDate},
		{"pages of 10", RefsOptions{Limit: 10}, byID},
		{"skip", RefsOptions{Skip: 20, Limit: 10}, byID[20:]},
	}
	for _, tt := range tests {
		var got []string
		opts := tt.opts
		for {
			page, err := fs.ReferencesTo(ctx, album, opts)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if page.Total != 25 {
				t.Errorf("%s: total %d", tt.name, page.Total)
			}
			got = append(got, page.IDs...)
			if page.Next == "" {
				break
			}
			opts.Cursor = page.Next
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := fs.ReferencesTo(ctx, album, RefsOptions{Cursor: "!!"}); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("bad cursor: %v", err)
	}
	page, err := fs.ReferencesTo(ctx, Reference{Type: "io.cozy.photos.albums", ID: "other"}, RefsOptions{})
	if err != nil || len(page.IDs) != 0 || page.Total != 0 {
		t.Errorf("other album: %+v %v", page, err)
	}
}

func TestAddRemoveReferencesTo(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	a := put1(t, fs, "", "a.txt", "a")
	b := put1(t, fs, "", "b.txt", "b")
	if _, err := fs.AddReferencedBy(ctx, a.ID, []Reference{{Type: "io.cozy.playlists", ID: "p"}}); err != nil {
		t.Fatal(err)
	}
	// An unknown id changes nothing.
	if err := fs.AddReferencesTo(ctx, album, []string{a.ID, "nope"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if page, _ := fs.ReferencesTo(ctx, album, RefsOptions{}); page.Total != 0 {
		t.Fatalf("half-way write: %v", page.IDs)
	}
	if err := fs.AddReferencesTo(ctx, album, []string{a.ID, b.ID, a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := fs.AddReferencesTo(ctx, album, []string{a.ID}); err != nil { // idempotent
		t.Fatal(err)
	}
	got, _ := fs.Get(ctx, a.ID)
	if len(got.ReferencedBy) != 2 {
		t.Errorf("references of a: %v", got.ReferencedBy)
	}
	if err := fs.RemoveReferencesTo(ctx, album, []string{a.ID}); err != nil {
		t.Fatal(err)
	}
	page, _ := fs.ReferencesTo(ctx, album, RefsOptions{})
	if !slices.Equal(page.IDs, []string{b.ID}) {
		t.Errorf("after removal: %v", page.IDs)
	}
	got, _ = fs.Get(ctx, a.ID)
	if !slices.Equal(got.ReferencedBy, []Reference{{Type: "io.cozy.playlists", ID: "p"}}) {
		t.Errorf("other reference lost: %v", got.ReferencedBy)
	}
	if err := fs.AddReferencesTo(ctx, Reference{Type: "x"}, []string{a.ID}); !errors.Is(err, ErrInvalidType) {
		t.Errorf("reference without id: %v", err)
	}
}

// A file moved to the trash, directly or with its directory, references
// nothing any more.
func TestTrashRemovesReferences(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	dir, err := fs.CreateDir(ctx, DirOptions{Name: "album"})
	if err != nil {
		t.Fatal(err)
	}
	inDir := put1(t, fs, dir.ID, "in.jpg", "x")
	alone := put1(t, fs, "", "alone.jpg", "y")
	kept := put1(t, fs, "", "kept.jpg", "z")
	if err := fs.AddReferencesTo(ctx, album, []string{inDir.ID, alone.ID, kept.ID, dir.ID}); err != nil {
		t.Fatal(err)
	}
	// Trashing keeps the references (the app removes them first if it
	// wants to), so a restored file is back in its album.
	for _, id := range []string{alone.ID, dir.ID} {
		f, err := fs.Trash(ctx, id, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.ReferencedBy) != 1 {
			t.Errorf("trashed %s lost its references: %v", f.Name, f.ReferencedBy)
		}
	}
	all := []string{inDir.ID, alone.ID, kept.ID, dir.ID}
	slices.Sort(all)
	page, err := fs.ReferencesTo(ctx, album, RefsOptions{})
	if got := slices.Sorted(slices.Values(page.IDs)); err != nil || !slices.Equal(got, all) {
		t.Errorf("references after trash: %v %v", page.IDs, err)
	}
	restored, err := fs.Restore(ctx, alone.ID)
	if err != nil || len(restored.ReferencedBy) != 1 {
		t.Fatalf("restored file: %+v %v", restored, err)
	}
}
