// Package ident makes identifiers and secrets: document ids, random
// tokens and codes. It is the one place the server draws randomness from,
// always crypto/rand; a failing entropy source stops the process, since
// nothing made without it would be safe.
package ident

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// Bytes returns n random bytes.
func Bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("ident: crypto/rand failed: %v", err))
	}
	return b
}

// DocID returns a new document id: 32 lowercase hex digits (128 random
// bits), the form upstream's CouchDB uuids take.
func DocID() string { return hex.EncodeToString(Bytes(16)) }

// UUID returns a random (version 4) UUID in its dashed form, as file ids
// are written upstream.
func UUID() string {
	b := Bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Hex returns n random bytes as 2n hex digits.
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }

// Token returns n random bytes, base64url without padding: for cookies,
// CSRF values and other secrets carried in URLs or headers.
func Token(n int) string { return base64.RawURLEncoding.EncodeToString(Bytes(n)) }

// Code returns n characters drawn uniformly from alphabet (for codes a
// person may read or type).
func Code(n int, alphabet string) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("ident: crypto/rand failed: %v", err))
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out)
}
