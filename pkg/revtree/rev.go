package revtree

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidRev is wrapped by every error about a malformed revision id.
var ErrInvalidRev = errors.New("invalid rev format")

// MaxHashLen is the longest hash accepted in a revision id.
const MaxHashLen = 64

// Rev is a parsed revision id "Pos-Hash".
type Rev struct {
	Pos  int    // generation, >= 1
	Hash string // letters and digits, 1..MaxHashLen characters
}

// String renders the revision as "Pos-Hash".
func (r Rev) String() string {
	return strconv.Itoa(r.Pos) + "-" + r.Hash
}

// IsZero reports whether r is the zero Rev (no revision).
func (r Rev) IsZero() bool { return r.Pos == 0 && r.Hash == "" }

// Less orders revisions by generation, then by hash string.
func (r Rev) Less(o Rev) bool {
	if r.Pos != o.Pos {
		return r.Pos < o.Pos
	}
	return r.Hash < o.Hash
}

// ParseRev parses "N-hash". N must be a positive decimal integer without sign
// or leading zero, and hash 1..MaxHashLen ASCII letters or digits.
func ParseRev(s string) (Rev, error) {
	pos, hash, ok := strings.Cut(s, "-")
	if !ok {
		return Rev{}, fmt.Errorf("%w: %q has no '-'", ErrInvalidRev, s)
	}
	n, err := parsePos(pos)
	if err != nil {
		return Rev{}, fmt.Errorf("%w: %q: %w", ErrInvalidRev, s, err)
	}
	if err := CheckHash(hash); err != nil {
		return Rev{}, fmt.Errorf("%w: %q: %w", ErrInvalidRev, s, err)
	}
	return Rev{Pos: n, Hash: hash}, nil
}

func parsePos(s string) (int, error) {
	if s == "" || len(s) > 9 || (s[0] == '0') {
		return 0, errors.New("generation must be a positive integer")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errors.New("generation must be a positive integer")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// CheckHash reports whether h is acceptable as the hash part of a revision.
func CheckHash(h string) error {
	if h == "" || len(h) > MaxHashLen {
		return fmt.Errorf("hash must have 1 to %d characters", MaxHashLen)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return errors.New("hash must be letters and digits")
		}
	}
	return nil
}

// NewRevHash computes the hash of a new revision deterministically from the
// deleted flag, the parent revision (zero Rev for a first revision) and the
// body bytes, with MD5 as CouchDB and PouchDB do. Identical edits made on
// two replicas therefore get the same revision id.
func NewRevHash(deleted bool, parent Rev, body []byte) string {
	h := md5.New()
	if deleted {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	if !parent.IsZero() {
		h.Write([]byte(parent.String()))
	}
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Child returns the revision following parent with the given hash.
func Child(parent Rev, hash string) Rev {
	return Rev{Pos: parent.Pos + 1, Hash: hash}
}
