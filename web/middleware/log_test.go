package middleware_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// TestAccessLogAbort: a handler that panics with http.ErrAbortHandler
// after writing part of its answer has its answer cut (over HTTP/1 and
// HTTP/2), not ended as if whole; another panic is a 500.
func TestAccessLogAbort(t *testing.T) {
	r := gin.New()
	r.Use(middleware.AccessLog(slog.New(slog.DiscardHandler)))
	r.GET("/cut", func(c *gin.Context) {
		c.Status(http.StatusOK)
		c.Writer.WriteString(`{"rows":[`)
		c.Writer.Flush()
		panic(http.ErrAbortHandler)
	})
	r.GET("/boom", func(*gin.Context) { panic("boom") })
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(r)
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		client := srv.Client()
		res, err := client.Get(srv.URL + "/cut")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil || string(body) != `{"rows":[` || (res.ProtoMajor == 2) != h2 {
			t.Errorf("http2 %v: body %q, read error %v: the answer must end cut", h2, body, err)
		}
		res, err = client.Get(srv.URL + "/boom")
		if err != nil || res.StatusCode != http.StatusInternalServerError {
			t.Errorf("http2 %v: panic answered %v, %v", h2, res, err)
		}
		srv.Close()
	}
}
