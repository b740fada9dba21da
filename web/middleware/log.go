package middleware

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// AccessLog logs every request with log/slog once it is answered, and
// recovers from panics in handlers with a 500 (http.ErrAbortHandler, a
// handler cutting its answer, goes on up to net/http once logged).
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		defer func() {
			rec := recover()
			if rec == http.ErrAbortHandler {
				// A handler cutting an answer it cannot finish: net/http
				// must see the panic to abort the connection or stream.
				defer panic(rec)
			} else if rec != nil {
				log.ErrorContext(c.Request.Context(), "panic in handler", "panic", rec, "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"errors": []gin.H{{"status": "500", "title": "Internal Server Error"}}})
				}
			}
			level := slog.LevelDebug
			status := c.Writer.Status()
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []any{"method", c.Request.Method, "host", c.Request.Host, "path", c.Request.URL.Path,
				"status", status, "client", c.ClientIP(), "duration", time.Since(start), "bytes", c.Writer.Size()}
			if len(c.Errors) > 0 {
				attrs = append(attrs, "error", c.Errors.String())
			}
			log.Log(c.Request.Context(), level, "request", attrs...)
		}()
		c.Next()
	}
}
