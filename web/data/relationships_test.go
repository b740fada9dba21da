package data

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestReferencesPath(t *testing.T) {
	tests := []struct {
		path        string
		doctype, id string
		ok          bool
	}{
		{"/data/io.cozy.albums/a1/relationships/references", "io.cozy.albums", "a1", true},
		{"/data/io.cozy.albums/a%2F1/relationships/references", "io.cozy.albums", "a/1", true},
		{"/data/io.cozy.albums/a1/relationships/other", "", "", false},
		{"/data/io.cozy.albums/_design/relationships/references", "", "", false},
		{"/data/io.cozy.albums/a1/relationships/references/x", "", "", false},
		{"/data/io.cozy.albums/a1", "", "", false},
		{"/data/io.cozy.albums/%zz/relationships/references", "", "", false},
	}
	for _, tt := range tests {
		doctype, id, ok := referencesPath(tt.path)
		if doctype != tt.doctype || id != tt.id || ok != tt.ok {
			t.Errorf("%s: got %q %q %v", tt.path, doctype, id, ok)
		}
	}
}

type fakeRefs struct{ doctype, id, method string }

func (f *fakeRefs) References(c *gin.Context, doctype, id string) {
	f.doctype, f.id, f.method = doctype, id, c.Request.Method
	c.Status(http.StatusNoContent)
}

// The catch-all route hands the references paths to the hook, and answers
// 404 without one.
func TestDispatchReferences(t *testing.T) {
	for _, withHook := range []bool{true, false} {
		fake := &fakeRefs{}
		h := &Handler{}
		if withHook {
			h.Relationships = fake
		}
		r := gin.New()
		h.Register(&r.RouterGroup)
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/data/io.cozy.albums/a1/relationships/references", nil)
		r.ServeHTTP(w, req)
		switch {
		case withHook && (w.Code != http.StatusNoContent || fake.doctype != "io.cozy.albums" || fake.id != "a1" || fake.method != http.MethodPost):
			t.Errorf("with hook: %d %+v", w.Code, fake)
		case !withHook && w.Code != http.StatusNotFound:
			t.Errorf("without hook: %d", w.Code)
		}
	}
}
