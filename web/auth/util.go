package auth

import (
	"crypto/subtle"
	"encoding/hex"
)

func constantTimeHexEqual(hexTok string, want []byte) bool {
	got, err := hex.DecodeString(hexTok)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

func hexToken(b []byte) string { return hex.EncodeToString(b) }
