package vfs

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/store/bolt"
)

// TestCreatedOnFromOrigin checks that cozyMetadata records the URL the
// opener gives (the instance's configured scheme), not a guessed https.
func TestCreatedOnFromOrigin(t *testing.T) {
	tests := map[string]struct {
		opts Options
		want string
	}{
		"origin":       {Options{Origin: "http://cozy.localhost:8080/"}, "http://cozy.localhost:8080/"},
		"https origin": {Options{Origin: "https://cozy.example/"}, "https://cozy.example/"},
		"neither":      {Options{}, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tt.opts.Dir = filepath.Join(dir, "files")
			fs, err := Open(ctx, st, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer fs.Close()
			d, err := fs.CreateDir(ctx, DirOptions{Name: "d"})
			if err != nil {
				t.Fatal(err)
			}
			f := put1(t, fs, d.ID, "f.txt", "x")
			if d.CozyMetadata.CreatedOn != tt.want || f.CozyMetadata.CreatedOn != tt.want || f.CozyMetadata.UploadedOn != tt.want {
				t.Fatalf("createdOn %q / %q, uploadedOn %q; want %q", d.CozyMetadata.CreatedOn, f.CozyMetadata.CreatedOn, f.CozyMetadata.UploadedOn, tt.want)
			}
		})
	}
}
