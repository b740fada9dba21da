package httperr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// serve answers path with the error err through Handle.
func serve(path string, err error) *httptest.ResponseRecorder {
	r := gin.New()
	r.Any("/*p", httperr.Handle(func(*gin.Context) error { return err }))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func TestTable(t *testing.T) {
	pathErr := &fs.PathError{Op: "open", Path: "/var/lib/cozy/instances/abc/secret", Err: fs.ErrNotExist}
	tests := []struct {
		name      string
		err       error
		status    int
		detail    string // "" skips
		notDetail string
	}{
		{"store not found", store.NotFound("deleted"), 404, "deleted", ""},
		{"store conflict", fmt.Errorf("put: %w", store.Conflict()), 409, "Document update conflict.", ""},
		{"store no usable index", fmt.Errorf("find: %w", &store.Error{Kind: store.ErrNoUsableIndex, Code: "no_usable_index", Reason: "No index exists for this sort"}), 400, "No index exists for this sort", ""},
		{"vfs quota", fmt.Errorf("upload: %w", vfs.ErrQuota), 413, "", ""},
		{"vfs wraps a path error", fmt.Errorf("%w: %w", vfs.ErrNotFound, pathErr), 404, vfs.ErrNotFound.Error(), "/var/lib"},
		{"apps busy", apps.ErrBusy, 409, "", ""},
		{"apps manifest field", &apps.FieldError{Field: "slug", Reason: "missing"}, 422, "", ""},
		{"jobs unknown worker", fmt.Errorf("%w: nope", jobs.ErrUnknownWorker), 400, "", ""},
		{"remote blocked shows upstream text, not the address", &remote.BlockedError{Target: "10.0.0.1:80", Reason: "private"}, 502, remote.ErrBlockedDestination.Error(), "10.0.0.1"},
		{"expired token is 400 as upstream", token.ErrExpired, 400, "Expired token", ""},
		{"forbidden", permission.ErrForbidden, 403, "", ""},
		{"explicit error", httperr.BadRequest("missing name"), 400, "missing name", ""},
		{"unknown is 500 and says nothing", errors.New("bolt: disk I/O at /var/lib/x"), 500, "Internal Server Error", "/var/lib"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve("/files/x", tt.err)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != httperr.ContentType {
				t.Fatalf("content type %q", ct)
			}
			var doc struct {
				Errors []struct{ Status, Title, Detail string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || len(doc.Errors) != 1 {
				t.Fatalf("body %s", w.Body)
			}
			if tt.detail != "" && doc.Errors[0].Detail != tt.detail {
				t.Errorf("detail %q, want %q", doc.Errors[0].Detail, tt.detail)
			}
			// A store error is titled with its CouchDB name, as upstream:
			// cozy-stack-client matches "no_usable_index" in the answer.
			var se *store.Error
			if errors.As(tt.err, &se) && doc.Errors[0].Title != se.Code {
				t.Errorf("title %q, want %q", doc.Errors[0].Title, se.Code)
			}
			if tt.notDetail != "" && strings.Contains(w.Body.String(), tt.notDetail) {
				t.Errorf("body leaks %q: %s", tt.notDetail, w.Body)
			}
		})
	}
}

func TestCouchShape(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
		reason string
	}{
		{store.NotFound("missing"), 404, "not_found", "missing"},
		{store.Conflict(), 409, "conflict", "Document update conflict."},
		{store.BadRequest("bad %s", "x"), 400, "bad_request", "bad x"},
		{token.ErrExpired, 400, "code=400, message=Expired token", "Expired token"},
		{httperr.ErrTooLarge, 413, "too_large", httperr.ErrTooLarge.Error()},
		{errors.New("internal /path"), 500, "internal_server_error", "Internal Server Error"},
	}
	for _, tt := range tests {
		w := serve("/data/io.cozy.test/x", tt.err)
		var body struct{ Error, Reason string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.status || body.Error != tt.code || body.Reason != tt.reason {
			t.Errorf("%v: %d %+v, want %d %q %q", tt.err, w.Code, body, tt.status, tt.code, tt.reason)
		}
	}
}

// TestHandleAfterWrite: an error after the answer started is logged, not
// written into the body.
func TestHandleAfterWrite(t *testing.T) {
	r := gin.New()
	var logged []string
	r.Use(func(c *gin.Context) {
		c.Next()
		logged = c.Errors.Errors()
	})
	r.GET("/x", httperr.Handle(func(c *gin.Context) error {
		c.String(http.StatusOK, "partial")
		return errors.New("stream broke")
	}))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 200 || w.Body.String() != "partial" || len(logged) != 1 {
		t.Fatalf("%d %q %v", w.Code, w.Body, logged)
	}
}
