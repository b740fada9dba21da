package passhash

import (
	"context"
	"errors"
	"strings"
	"testing"
)

var fast = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := New(fast, 2)
	enc, err := h.Hash(ctx, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("format %q", enc)
	}
	if err := h.Verify(ctx, enc, []byte("correct horse")); err != nil {
		t.Fatal(err)
	}
	if err := h.Verify(ctx, enc, []byte("Correct horse")); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	other, _ := h.Hash(ctx, []byte("correct horse"))
	if other == enc {
		t.Fatal("salt not random")
	}
	if h.NeedsRehash(enc) || !New(Default, 1).NeedsRehash(enc) {
		t.Fatal("NeedsRehash")
	}
}

func TestMalformed(t *testing.T) {
	h := New(fast, 1)
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
	} {
		if err := h.Verify(context.Background(), bad, []byte("x")); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestBoundedConcurrency holds every slot and checks that a caller waits,
// then gives up with its context.
func TestBoundedConcurrency(t *testing.T) {
	h := New(fast, 2)
	enc, _ := h.Hash(context.Background(), []byte("p"))
	for i := 0; i < 2; i++ {
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Verify(ctx, enc, []byte("p")) }()
	select {
	case err := <-done:
		t.Fatalf("verify ran with every slot taken: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	h.release()
	if err := h.Verify(context.Background(), enc, []byte("p")); err != nil {
		t.Fatalf("after a slot is freed: %v", err)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := New(Default, 1)
	for b.Loop() {
		if _, err := h.Hash(context.Background(), []byte("a long enough passphrase")); err != nil {
			b.Fatal(err)
		}
	}
}
