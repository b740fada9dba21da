package remote

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

func openTestStore(t *testing.T) store.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "docs.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSecrets(t *testing.T) {
	ctx := context.Background()
	sec := StoreSecrets{Store: openTestStore(t)}
	if _, err := sec.Get(ctx, "org.example", "token"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get on empty store: %v, want ErrSecretNotFound", err)
	}
	if err := sec.Set(ctx, "org.example", "token", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := sec.Set(ctx, "org.example", "user", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := sec.Set(ctx, "org.example", "token", "n3w"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"token": "n3w", "user": "alice"} {
		got, err := sec.Get(ctx, "org.example", key)
		if err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
	keys, err := sec.Keys(ctx, "org.example")
	if err != nil || strings.Join(keys, ",") != "token,user" {
		t.Fatalf("Keys = %v, %v", keys, err)
	}
	// Upstream's layout: _id is the remote doctype, the fields the secrets.
	doc, err := sec.Store.DB(SecretsDoctype).Get(ctx, "org.example", store.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(doc.Body, &fields); err != nil || fields["token"] != "n3w" || fields["_id"] != "org.example" {
		t.Fatalf("record = %s", doc.Body)
	}
	if err := sec.Delete(ctx, "org.example", "token"); err != nil {
		t.Fatal(err)
	}
	if _, err := sec.Get(ctx, "org.example", "token"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := sec.Delete(ctx, "org.example", "token"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := sec.Get(ctx, "org.example", "_id"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get(_id): %v", err)
	}
}

func TestStoreSecretsSetRefusesBadInput(t *testing.T) {
	sec := StoreSecrets{Store: openTestStore(t)}
	tests := []struct{ name, doctype, key, value string }{
		{"bad doctype", "../etc", "token", "v"},
		{"empty key", "org.example", "", "v"},
		{"reserved key", "org.example", "_rev", "v"},
		{"key with space", "org.example", "a b", "v"},
		{"empty value", "org.example", "token", ""},
		{"huge value", "org.example", "token", strings.Repeat("x", maxSecretSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sec.Set(context.Background(), tt.doctype, tt.key, tt.value)
			if !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("Set = %v, want ErrInvalidSecret", err)
			}
		})
	}
	if _, err := sec.Store.DB(SecretsDoctype).Get(context.Background(), "org.example", store.GetOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused Set stored something: %v", err)
	}
}

func TestStoreSecretsConcurrentSet(t *testing.T) {
	ctx := context.Background()
	sec := StoreSecrets{Store: openTestStore(t)}
	keys := []string{"a", "b", "c", "d"}
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	for _, k := range keys {
		wg.Go(func() { errs <- sec.Set(ctx, "org.example", k, "v-"+k) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := sec.Keys(ctx, "org.example")
	if err != nil || strings.Join(got, ",") != "a,b,c,d" {
		t.Fatalf("Keys = %v, %v", got, err)
	}
}

func TestStoreLogger(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t)
	l := StoreLogger{Store: st}
	rec := RequestLog{
		Doctype: "org.example", Verb: "GET", URL: "https://example.org/?q=x", ResponseCode: 200,
		ContentType: "application/json", Variables: map[string]string{"q": "x", "comment": "c"},
		App: "drive", CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	for range 2 {
		if err := l.Log(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.DB(RequestLogDoctype).AllDocs(ctx, store.AllDocsOptions{IncludeDocs: true, InclusiveEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.Rows[0].ID == res.Rows[1].ID {
		t.Fatalf("want 2 records with distinct ids, got %+v", res.Rows)
	}
	var got RequestLog
	if err := json.Unmarshal(res.Rows[0].Doc, &got); err != nil {
		t.Fatal(err)
	}
	if got.Doctype != "org.example" || got.Variables["comment"] != "c" || got.App != "drive" || !got.CreatedAt.Equal(rec.CreatedAt) {
		t.Fatalf("record = %s", res.Rows[0].Doc)
	}
}
