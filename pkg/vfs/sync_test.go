package vfs

import (
	"context"
	"testing"
)

func TestSyncChanges(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	videos, _ := fs.CreateDir(ctx, DirOptions{Name: "Videos"})
	inner, _ := fs.CreateDir(ctx, DirOptions{Name: "2024", DirID: videos.ID})
	v := put1(t, fs, inner.ID, "v.mp4", "v")
	docs, _ := fs.CreateDir(ctx, DirOptions{Name: "docs"})
	a := put1(t, fs, docs.ID, "a.txt", "a")
	b := put1(t, fs, docs.ID, "b.txt", "b")
	if _, err := fs.Trash(ctx, a.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.AddNotSynchronizedOn(ctx, videos.ID, []Reference{{Type: "io.cozy.oauth.clients", ID: "desktop"}}); err != nil {
		t.Fatal(err)
	}

	type want struct {
		present, absent, deleted []string
		check                    func(t *testing.T, rows map[string]ChangeRow)
	}
	tests := map[string]struct {
		opts SyncOptions
		want want
	}{
		"everything, no docs": {SyncOptions{}, want{
			present: []string{RootID, TrashID, videos.ID, inner.ID, v.ID, docs.ID, a.ID, b.ID},
			check: func(t *testing.T, rows map[string]ChangeRow) {
				if rows[b.ID].Doc != nil || len(rows[b.ID].Changes) != 1 {
					t.Errorf("row without docs: %+v", rows[b.ID])
				}
			},
		}},
		"fields and paths": {SyncOptions{IncludeDocs: true, WithPath: true, Fields: []string{"name", "type"}}, want{
			present: []string{b.ID},
			check: func(t *testing.T, rows map[string]ChangeRow) {
				d := rows[b.ID].Doc
				if d["path"] != "/docs/b.txt" || d["name"] != "b.txt" || d["dir_id"] != nil || len(d) != 3 {
					t.Errorf("projected doc: %v", d)
				}
			},
		}},
		"no internal id": {SyncOptions{IncludeDocs: true}, want{
			present: []string{b.ID},
			check: func(t *testing.T, rows map[string]ChangeRow) {
				if _, ok := rows[b.ID].Doc["internal_vfs_id"]; ok || rows[b.ID].Doc["name"] != "b.txt" {
					t.Errorf("doc: %v", rows[b.ID].Doc)
				}
			},
		}},
		"skip trashed": {SyncOptions{SkipTrashed: true}, want{present: []string{b.ID}, absent: []string{a.ID}}},
		"client excludes a directory": {SyncOptions{Client: "desktop", IncludeDocs: true}, want{
			present: []string{b.ID, docs.ID},
			deleted: []string{videos.ID, inner.ID, v.ID},
			check: func(t *testing.T, rows map[string]ChangeRow) {
				if d := rows[v.ID].Doc; d["_deleted"] != true || len(d) != 3 {
					t.Errorf("excluded doc: %v", d)
				}
			},
		}},
		"another client sees all": {SyncOptions{Client: "phone"}, want{present: []string{videos.ID, v.ID}}},
		"limit": {SyncOptions{Limit: 2}, want{check: func(t *testing.T, rows map[string]ChangeRow) {
			if len(rows) > 2 { // design documents count in the limit, and are left out
				t.Errorf("%d rows", len(rows))
			}
		}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			feed, err := fs.SyncChanges(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string]ChangeRow{}
			for _, r := range feed.Results {
				rows[r.ID] = r
			}
			for _, id := range append(tt.want.present, tt.want.deleted...) {
				if _, ok := rows[id]; !ok {
					t.Errorf("%s missing", id)
				}
			}
			for _, id := range tt.want.absent {
				if _, ok := rows[id]; ok {
					t.Errorf("%s present", id)
				}
			}
			for _, id := range tt.want.present {
				if rows[id].Deleted {
					t.Errorf("%s sent as deleted", id)
				}
			}
			for _, id := range tt.want.deleted {
				if !rows[id].Deleted {
					t.Errorf("%s not sent as deleted", id)
				}
			}
			if tt.want.check != nil {
				tt.want.check(t, rows)
			}
		})
	}
	// since skips what was read.
	all, _ := fs.SyncChanges(ctx, SyncOptions{})
	var since uint64
	for _, r := range all.Results {
		if r.ID == b.ID {
			since = parseSeq(t, r.Seq)
		}
	}
	later, _ := fs.SyncChanges(ctx, SyncOptions{Since: since})
	for _, r := range later.Results {
		if r.ID == b.ID || r.ID == RootID {
			t.Errorf("since %d: %s again", since, r.ID)
		}
	}
}

func parseSeq(t *testing.T, s string) uint64 {
	t.Helper()
	var n uint64
	for _, c := range s {
		n = n*10 + uint64(c-'0')
	}
	return n
}
