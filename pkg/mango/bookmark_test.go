package mango

import (
	"bytes"
	"errors"
	"testing"
)

func TestBookmarkRoundTrip(t *testing.T) {
	tests := []struct {
		key []byte
		id  string
	}{
		{enc("perso", "2016"), "6494e0ac-dfcb-11e5-88c1-472e84a9cbee"},
		{nil, ""},
		{[]byte{0, 0xFF, 1}, "id with spaces/and+signs"},
	}
	for _, tt := range tests {
		s := EncodeBookmark(tt.key, tt.id)
		key, id, err := DecodeBookmark(s)
		if err != nil || !bytes.Equal(key, tt.key) || id != tt.id {
			t.Errorf("DecodeBookmark(EncodeBookmark(%x, %q)) = %x, %q, %v", tt.key, tt.id, key, id, err)
		}
	}
}

func TestDecodeBookmarkErrors(t *testing.T) {
	for _, s := range []string{"!!", "/w", EncodeBookmark(nil, "")[:0] + "_w", "gw"} {
		if _, _, err := DecodeBookmark(s); !errors.Is(err, ErrBadQuery) {
			t.Errorf("DecodeBookmark(%q) error = %v", s, err)
		}
	}
}
