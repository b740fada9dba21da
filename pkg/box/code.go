package box

import (
	"crypto/subtle"
	"strings"

	"github.com/cozypi/cozy/pkg/ident"
	bolt "go.etcd.io/bbolt"
)

// codeAlphabet has no look-alike characters (no 0/O, 1/I/L), for a code
// read on a console and typed on a phone.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// codeLen gives 31^10 ≈ 2^49 codes; with maxFailures per code a guesser
// has no chance before the code changes.
const codeLen = 10

// maxFailures is how many wrong codes make a new one (logged again).
const maxFailures = 10

func newCode() string { return ident.Code(codeLen, codeAlphabet) }

// NormalizeCode drops what a person may add when typing a code: spaces,
// dashes and lower case.
func NormalizeCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
}

// checkCodeLocked compares code with the setup code; after maxFailures
// wrong ones the code is replaced (and logged), so guessing starts over.
func (b *Box) checkCodeLocked(code string) error {
	if !b.cfg.SetupCode {
		return nil // the first visitor on the LAN sets the box up
	}
	if b.code != "" && subtle.ConstantTimeCompare([]byte(NormalizeCode(code)), []byte(b.code)) == 1 {
		return nil
	}
	b.failures++
	if b.failures >= maxFailures {
		fresh := newCode()
		err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBox).Put(keyCode, []byte(fresh)) })
		if err == nil {
			b.code, b.failures = fresh, 0
			b.log.Warn("box: too many wrong setup codes, here is a new one", "setup_code", fresh)
		}
	}
	return ErrBadCode
}
