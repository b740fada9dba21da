// Package passhash hashes and verifies passphrases with Argon2id, in the PHC
// string format ($argon2id$v=19$m=19456,t=2,p=1$salt$hash).
//
// The parameters are OWASP's first recommendation (19 MiB, two passes, one
// lane). A Raspberry Pi has four cores and little memory, so a Hasher bounds
// how many hashes run at once: the others wait their turn, which also slows
// down a brute-force attempt instead of exhausting the box.
//
// Limits: hashes written with other parameters still verify (they are read
// from the string); NeedsRehash tells when to upgrade them.
package passhash

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/cozypi/cozy/pkg/ident"
	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default are OWASP's recommended parameters for Argon2id.
var Default = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMismatch is returned when a passphrase does not match a hash.
var ErrMismatch = errors.New("passphrase does not match")

// ErrMalformed is returned for a hash string that cannot be read.
var ErrMalformed = errors.New("malformed passphrase hash")

// Hasher hashes with fixed parameters and at most a few hashes at a time.
type Hasher struct {
	params Params
	slots  chan struct{}
}

// New returns a Hasher running at most concurrent hashes at once.
func New(p Params, concurrent int) *Hasher {
	if concurrent < 1 {
		concurrent = 1
	}
	return &Hasher{params: p, slots: make(chan struct{}, concurrent)}
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("passhash: waiting for a slot: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC string of passphrase with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, passphrase []byte) (string, error) {
	salt := ident.Bytes(saltLen)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	p := h.params
	key := argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks passphrase against encoded, in constant time.
func (h *Hasher) Verify(ctx context.Context, encoded string, passphrase []byte) error {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return err
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	got := argon2.IDKey(passphrase, salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// the Hasher's.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p != h.params
}

func decode(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version", ErrMalformed)
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters", ErrMalformed)
	}
	// Bounds keep a forged hash from making us allocate gigabytes.
	if p.MemoryKiB < 8 || p.MemoryKiB > 256*1024 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters out of bounds", ErrMalformed)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", ErrMalformed)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, fmt.Errorf("%w: key", ErrMalformed)
	}
	return p, salt, key, nil
}
