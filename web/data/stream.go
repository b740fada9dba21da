package data

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// stream writes a JSON answer whose rows come one by one (_changes,
// _all_docs, _find): prefix, the rows separated by commas, suffix. Nothing
// is written before the first row, so an error found before it (a missing
// database, a query no index serves) still gets its status. Each row is
// marshalled as encoding/json marshals it inside the whole answer, so the
// bytes are those a single json.Marshal would give.
type stream struct {
	c           *gin.Context
	contentType string // "" means gin's JSON content type
	prefix      string // e.g. `{"results":[`
	started     bool   // the prefix is written
	rows        int
	buf         []byte
}

// begin writes the status (unless written already, as by a longpoll's
// heartbeats) and the prefix.
func (s *stream) begin() error {
	if s.started {
		return nil
	}
	s.started = true
	if !s.c.Writer.Written() {
		ct := s.contentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		s.c.Header("Content-Type", ct)
		s.c.Status(http.StatusOK)
	}
	_, err := s.c.Writer.WriteString(s.prefix)
	return err
}

// row writes one row. An error (the client is gone) ends the listing.
func (s *stream) row(v any) error {
	if err := s.begin(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.buf = s.buf[:0]
	if s.rows > 0 {
		s.buf = append(s.buf, ',')
	}
	s.buf = append(s.buf, b...)
	s.rows++
	_, err = s.c.Writer.Write(s.buf)
	return err
}

// end writes the suffix, which closes the rows' array and the object.
func (s *stream) end(suffix string) {
	if s.begin() != nil {
		return
	}
	s.c.Writer.WriteString(suffix)
}

// fail handles an error of the listing. Before the first byte it is
// returned, to be rendered with its status. After it, the status is gone:
// as CouchDB does once an answer has started, the error is written as a
// last line ({"error","reason"}) and the connection is cut, so that no
// client takes the truncated JSON for a whole answer.
func (s *stream) fail(log *slog.Logger, err error) error {
	if !s.c.Writer.Written() {
		return err
	}
	// Only a store's reason is told: others may name server paths.
	code, reason := "unknown_error", "The answer could not be completed."
	var se *store.Error
	if errors.As(err, &se) {
		code, reason = se.Code, se.Reason
	}
	if s.c.Request.Context().Err() == nil { // not for a client that is gone
		log.WarnContext(s.c.Request.Context(), "data: answer cut", "path", s.c.Request.URL.Path, "err", err)
		b, _ := json.Marshal(map[string]string{"error": code, "reason": reason})
		s.c.Writer.Write(append(append([]byte("\n"), b...), '\n'))
	}
	cut(s.c)
	return nil
}

// cut ends the answer by closing the connection without the chunked
// encoding's last chunk (HTTP/1). gin refuses to hand over a connection
// once a body is written, so it is taken from net/http's writer beneath.
// On a connection that cannot be taken over (HTTP/2), net/http's abort
// panic resets the stream.
func cut(c *gin.Context) {
	c.Writer.Flush()
	var w http.ResponseWriter = c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap()
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// jsonString marshals a string as a JSON member value.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
