package jsonapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/gin-gonic/gin"
)

func TestWriters(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	tests := map[string]struct {
		write func(c *gin.Context) error
		body  string
	}{
		"one resource": {func(c *gin.Context) error {
			return jsonapi.Data(c, http.StatusOK, jsonapi.Object{Type: "io.cozy.test", ID: "1", Attributes: map[string]int{"a": 1}}.WithRev("1-x"))
		}, `{"data":{"type":"io.cozy.test","id":"1","attributes":{"a":1},"meta":{"rev":"1-x"}}}`},
		"empty list": {func(c *gin.Context) error {
			return jsonapi.List[jsonapi.Object](c, http.StatusOK, nil, 0, "")
		}, `{"data":[],"meta":{"count":0}}`},
		"page with next": {func(c *gin.Context) error {
			return jsonapi.List(c, http.StatusOK, []jsonapi.Object{{Type: "t", ID: "a"}}, 3, "/t?page[cursor]=a")
		}, `{"data":[{"type":"t","id":"a"}],"links":{"next":"/t?page[cursor]=a"},"meta":{"count":3}}`},
		"unencodable is an error, nothing written": {func(c *gin.Context) error {
			return jsonapi.Data(c, http.StatusOK, map[string]any{"f": func() {}})
		}, `{"errors":[{"detail":"Internal Server Error","status":"500","title":"Internal Server Error"}]}`},
	}
	for name, tt := range tests {
		r := gin.New()
		r.GET("/", httperr.Handle(tt.write))
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Body.String() != tt.body || w.Header().Get("Content-Type") != jsonapi.ContentType {
			t.Errorf("%s: %s %q", name, w.Body, w.Header().Get("Content-Type"))
		}
	}
}
