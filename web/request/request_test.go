package request

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

func TestCheckText(t *testing.T) {
	cases := map[string]bool{ // text → valid
		`{"a":"b"}`:                  true,
		`{"a":"\ud83d\ude00"}`:       true,
		`{"a":"\\ud800"}`:            true, // an escaped backslash, then text
		`{"a":"x\"\ud800"}`:          false,
		`{"a":"\ud800"}`:             false,
		`{"a":"\udc00"}`:             false,
		`{"a":"\ud800\u0041"}`:       false,
		`{"a":"\ud800x"}`:            false,
		"{\"a\":\"\xff\"}":           false,
		"{\"a\":\"\xed\xa0\x80\"}":   false, // a surrogate encoded in UTF-8
		`{"\ud800":1}`:               false,
		`["\u00e9", "\u0000", "ok"]`: true,
	}
	for text, valid := range cases {
		err := CheckText([]byte(text))
		if (err == nil) != valid {
			t.Errorf("%q: err %v, want valid=%v", text, err, valid)
		}
		if err != nil && httperr.Status(err) != http.StatusBadRequest {
			t.Errorf("%q: status %d", text, httperr.Status(err))
		}
	}
}

// FuzzCheckText: whatever CheckText accepts, encoding/json decodes to the
// same strings it would encode back (no silent replacement).
func FuzzCheckText(f *testing.F) {
	f.Add([]byte(`{"a":"\ud83d\ude00"}`))
	f.Add([]byte(`"\ud800"`))
	f.Add([]byte("\"\xff\""))
	f.Fuzz(func(t *testing.T, b []byte) {
		if CheckText(b) != nil {
			return
		}
		var s string
		if json.Unmarshal(b, &s) != nil {
			return
		}
		replaced := strings.ContainsRune(s, utf8.RuneError) &&
			!strings.ContainsRune(string(b), utf8.RuneError) && !strings.Contains(strings.ToLower(string(b)), `\ufffd`)
		if !utf8.ValidString(s) || replaced {
			t.Fatalf("%q decoded to %q", b, s)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/", httperr.Handle(func(c *gin.Context) error {
		var v map[string]any
		if err := JSON(c, 16, &v); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}))
	for body, want := range map[string]int{
		`{"a":1}`:                  http.StatusNoContent,
		`{"a":"a long text here"}`: http.StatusRequestEntityTooLarge,
		`{"a":`:                    http.StatusBadRequest,
		``:                         http.StatusBadRequest,
		`{} {}`:                    http.StatusBadRequest,
		`{"a":"\ud800"}`:           http.StatusBadRequest,
	} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.ContentLength = -1 // chunked: the limit must hold while reading too
		r.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%q: status %d, want %d: %s", body, w.Code, want, w.Body)
		}
		if want == http.StatusRequestEntityTooLarge && !errors.Is(TooLarge(16), httperr.ErrTooLarge) {
			t.Error("TooLarge does not wrap ErrTooLarge")
		}
	}
}
