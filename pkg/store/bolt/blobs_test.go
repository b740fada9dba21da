package bolt

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

func TestKeyOfAndBlobRef(t *testing.T) {
	k, ok := keyOf(digestOf("hello"))
	if !ok || k != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("keyOf: %s %v", k, ok)
	}
	for _, bad := range []string{"sha-abc", "md5-!!", "md5-aGk="} {
		if _, ok := keyOf(bad); ok {
			t.Errorf("keyOf(%q) accepted", bad)
		}
	}
	ref := blobRef{refs: 3, sha: sha256.Sum256([]byte("x")), length: 42}
	if got, ok := decodeBlobRef(ref.encode()); !ok || got != ref {
		t.Fatalf("blobRef round trip: %+v", got)
	}
	if _, ok := decodeBlobRef([]byte("short")); ok {
		t.Error("short blobRef decoded")
	}
}

// Counting references: created with the content's checksum, deleted at
// zero; another content under the same key is a collision.
func TestAdjustRef(t *testing.T) {
	s := openTest(t)
	info := &blobInfo{key: "k", sha: sha256.Sum256([]byte("a")), length: 1}
	other := &blobInfo{key: "k", sha: sha256.Sum256([]byte("b")), length: 1}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(blobBucket)
		for i := 0; i < 2; i++ {
			if gone, err := adjustRef(bk, "k", 1, info); err != nil || gone {
				t.Fatalf("inc: %v %v", gone, err)
			}
		}
		if _, err := adjustRef(bk, "k", 1, other); !errors.Is(err, errCollision) {
			t.Fatalf("collision: %v", err)
		}
		if gone, err := adjustRef(bk, "k", -1, nil); err != nil || gone {
			t.Fatalf("dec: %v %v", gone, err)
		}
		if gone, err := adjustRef(bk, "k", -1, nil); err != nil || !gone {
			t.Fatalf("last dec: %v %v", gone, err)
		}
		if bk.Get([]byte("k")) != nil {
			t.Fatal("entry left at zero")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A content written twice is stored once; pins keep it until released.
func TestBlobWriteDedupAndPins(t *testing.T) {
	s := openTest(t)
	a, err := s.blobs.write(strings.NewReader("same"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.blobs.write(strings.NewReader("same"))
	if err != nil || a.key != b.key || a.digest != digestOf("same") || a.length != 4 {
		t.Fatalf("%+v %+v %v", a, b, err)
	}
	if len(blobFiles(t, s)) != 1 || s.AttachmentBytes() != 4 {
		t.Fatalf("stored twice: %d bytes", s.AttachmentBytes())
	}
	s.blobs.unpin([]string{a.key})
	if len(blobFiles(t, s)) != 1 {
		t.Fatal("removed while still pinned")
	}
	s.blobs.unpin([]string{b.key})
	if len(blobFiles(t, s)) != 0 || s.AttachmentBytes() != 0 {
		t.Fatal("an unreferenced content is kept once unpinned")
	}
}
