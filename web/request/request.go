// Package request reads request bodies: the one reader every handler
// uses, so that every body is bounded (413 past its limit, never a
// truncated-JSON 400), every JSON text is checked (no invalid UTF-8, no
// lone surrogate escapes, which encoding/json would silently replace) and
// every failure is a clean httperr error.
package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// Default limits, in bytes.
const (
	SmallBody = 64 << 10 // forms, settings, credentials
	JSONBody  = 1 << 20  // ordinary JSON:API documents
)

// TooLarge is the error of a body over limit bytes.
func TooLarge(limit int64) error {
	return &httperr.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Err: httperr.ErrTooLarge,
		Detail: "the request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}

// Limit bounds the rest of the request body to limit bytes (for readers
// that consume it themselves: forms, streams). Reading past it fails with
// an error that Err maps to 413.
func Limit(c *gin.Context, limit int64) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
}

// Err turns an error met while reading a body into the answer's error:
// 413 past a limit set by Limit, 400 otherwise.
func Err(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return TooLarge(mbe.Limit)
	}
	return httperr.BadRequest("cannot read the request body: " + err.Error())
}

// Body reads the whole body, at most limit bytes.
func Body(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > limit {
		return nil, TooLarge(limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		return nil, Err(err)
	}
	return b, nil
}

// JSON reads a JSON body of at most limit bytes into v. The text must be
// valid (CheckText) and hold one JSON value.
func JSON(c *gin.Context, limit int64, v any) error {
	b, err := Body(c, limit)
	if err != nil {
		return err
	}
	return Decode(b, v)
}

// Decode checks b (CheckText) and decodes it into v, with a 400 error for
// the client when it is not one valid JSON value of v's shape.
func Decode(b []byte, v any) error {
	if err := CheckText(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return httperr.BadRequest("the request body is empty")
		}
		return httperr.BadRequest("invalid JSON: " + err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return httperr.BadRequest("invalid JSON: more than one value")
	}
	return nil
}

// ErrText is the sentinel of JSON texts refused by CheckText.
var ErrText = errors.New("invalid JSON text")

// CheckText refuses a JSON text with invalid UTF-8 or a \u escape of a
// lone surrogate (RFC 8259 §8.2: such strings cannot be stored as text;
// encoding/json would replace them with U+FFFD, so what is stored would
// differ from what was sent). It does not check the JSON grammar.
func CheckText(b []byte) error {
	if !utf8.Valid(b) {
		return &httperr.Error{Status: http.StatusBadRequest, Code: "bad_request", Err: ErrText, Detail: "invalid JSON: the body is not valid UTF-8"}
	}
	inString := false
	for i := 0; i < len(b); i++ {
		switch ch := b[i]; {
		case ch == '"':
			inString = !inString
		case ch == '\\' && inString:
			if i+1 < len(b) && b[i+1] == 'u' {
				r, ok := hex4(b, i+2)
				if ok && r >= 0xD800 && r <= 0xDFFF {
					low, lok := rune(0), false
					if r <= 0xDBFF && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
						low, lok = hex4(b, i+8)
					}
					if !lok || low < 0xDC00 || low > 0xDFFF {
						return &httperr.Error{Status: http.StatusBadRequest, Code: "bad_request", Err: ErrText,
							Detail: fmt.Sprintf("invalid JSON: lone surrogate \\u%04x at offset %d", r, i)}
					}
					i += 11 // the pair
					continue
				}
			}
			i++ // skip the escaped character
		}
	}
	return nil
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}
