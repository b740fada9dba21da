package data

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/httperr"
)

// TestDecodeBulk: the docs are counted while decoded; one past the bound is
// a 413 whatever follows (even malformed JSON: nothing more is read).
func TestDecodeBulk(t *testing.T) {
	req, err := decodeBulk([]byte(`{"x":{"y":[1]},"new_edits":false,"docs":[{},{"a":1}]}`), 2, "c")
	if err != nil || len(req.docs) != 2 || !req.hasDocs || req.newEdits == nil || *req.newEdits {
		t.Fatalf("decodeBulk = %+v, %v", req, err)
	}
	_, err = decodeBulk([]byte(`{"docs":[{},{},{}, not json`), 2, "c")
	var he *httperr.Error
	if !errors.As(err, &he) || he.Status != http.StatusRequestEntityTooLarge || he.Code != "c" {
		t.Fatalf("over the bound: %v", err)
	}
	if req, err := decodeBulk([]byte(`{}`), 2, "c"); err != nil || req.hasDocs {
		t.Fatalf("no docs: %+v %v", req, err)
	}
	for _, in := range []string{`[]`, `{"docs":{}}`, `{"docs":[],"docs":[]}`, `{"docs":[}`, `{"docs":[]} x`, `{"new_edits":1}`, strings.Repeat("{", 3)} {
		if _, err := decodeBulk([]byte(in), 2, "c"); !errors.Is(err, store.ErrBadRequest) {
			t.Errorf("decodeBulk(%s) = %v, want a bad request", in, err)
		}
	}
}
