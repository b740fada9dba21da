package data

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// seqString renders an update sequence as CouchDB 2+ does: an opaque
// string "N-..." whose number N is the sequence. Clients send it back as
// is (or the number alone) and parseSeq reads N; the suffix only encodes
// N again, so equal sequences render equal strings.
func seqString(seq uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return strconv.FormatUint(seq, 10) + "-g1" + base64.RawURLEncoding.EncodeToString(b[:])
}

// parseSeq reads a sequence sent back by a client: digits, optionally
// followed by "-..." (CouchDB's opaque form), or a JSON string or number.
func parseSeq(s string) (uint64, error) {
	s = strings.Trim(s, `"`)
	if s == "" {
		return 0, nil
	}
	if i := strings.IndexByte(s, '-'); i > 0 {
		s = s[:i]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, store.BadRequest("invalid sequence %q", s)
	}
	return n, nil
}

// boolParam reads a boolean query parameter ("true"/"false").
func boolParam(c *gin.Context, name string) (bool, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, store.BadRequest("query parameter %s must be true or false, not %q", name, v)
	}
	return b, nil
}

// boolParams reads several boolean query parameters, by name.
func boolParams(c *gin.Context, dst map[string]*bool) error {
	for name, p := range dst {
		v, err := boolParam(c, name)
		if err != nil {
			return err
		}
		*p = v
	}
	return nil
}

// intParam reads a non-negative integer query parameter (def when absent).
func intParam(c *gin.Context, name string, def int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, store.BadRequest("query parameter %s must be a non-negative integer, not %q", name, v)
	}
	return n, nil
}
