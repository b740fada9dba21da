package mango

import (
	"encoding/base64"
	"encoding/binary"
)

// EncodeBookmark returns an opaque bookmark for resuming a query after the
// index entry (key, docID): URL-safe base64 of the key length as a uvarint,
// the key, then the document id.
func EncodeBookmark(key []byte, docID string) string {
	buf := binary.AppendUvarint(nil, uint64(len(key)))
	buf = append(append(buf, key...), docID...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// DecodeBookmark reverses EncodeBookmark. Malformed bookmarks give an error
// wrapping ErrBadQuery.
func DecodeBookmark(s string) (key []byte, docID string, err error) {
	buf, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, "", badf("invalid bookmark")
	}
	n, w := binary.Uvarint(buf)
	if w <= 0 || n > uint64(len(buf)-w) {
		return nil, "", badf("invalid bookmark")
	}
	key = buf[w : w+int(n)]
	return key, string(buf[w+int(n):]), nil
}
