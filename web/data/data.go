package data

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// DefaultBodyLimit bounds request bodies when the handler has no limit.
const DefaultBodyLimit = 16 << 20

// Handler serves /data for the instance of the request.
type Handler struct {
	Instances *instance.Manager
	Auth      *middleware.Auth
	Log       *slog.Logger
	// BodyLimit bounds JSON request bodies, in bytes (<= 0: DefaultBodyLimit).
	BodyLimit int64
	// Relationships, when set, serves the references of documents
	// (/data/:doctype/:id/relationships/references); nil answers 404.
	Relationships RelationshipsHandler
}

// Register adds the /data routes to r. A single catch-all route dispatches
// on the escaped path, so that document ids may hold "/" (sent as %2F).
func (h *Handler) Register(r *gin.RouterGroup) {
	r.Any("/data/*path", h.dispatch)
}

// route is a parsed /data path.
type route struct {
	doctype string
	special string // "_all_docs", "_local", "_design", ... or "" for a document
	id      string // document id, local id or design name
	extra   []string
}

// parsePath splits the escaped path after /data/. ok is false when the
// path cannot name anything under /data.
func parsePath(escaped string) (route, bool) {
	rest := strings.TrimPrefix(escaped, "/data")
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		return route{}, true
	}
	parts := strings.Split(rest, "/")
	segs := make([]string, len(parts))
	for i, p := range parts {
		s, err := url.PathUnescape(p)
		if err != nil {
			return route{}, false
		}
		segs[i] = s
	}
	rt := route{doctype: segs[0]}
	if len(segs) == 1 || len(segs) == 2 && segs[1] == "" {
		return rt, true
	}
	first := segs[1]
	switch {
	case first == "_local" || first == "_design":
		if len(segs) < 3 || segs[2] == "" {
			return route{}, false
		}
		rt.special, rt.id, rt.extra = first, segs[2], segs[3:]
	case strings.HasPrefix(first, "_"):
		rt.special, rt.extra = first, segs[2:]
	default:
		if len(segs) != 2 {
			return route{}, false
		}
		rt.id = first
	}
	return rt, true
}

func (h *Handler) dispatch(c *gin.Context) {
	if doctype, id, ok := referencesPath(c.Request.URL.EscapedPath()); ok && h.Relationships != nil {
		h.Relationships.References(c, doctype, id)
		return
	}
	rt, ok := parsePath(c.Request.URL.EscapedPath())
	if !ok {
		notFound(c)
		return
	}
	m := c.Request.Method
	switch {
	case rt.doctype == "":
		h.root(c, m)
	case rt.doctype == "_all_doctypes" && m == http.MethodGet:
		h.allDoctypes(c)
	case rt.special == "" && rt.id == "":
		h.database(c, rt, m)
	case rt.special == "":
		h.document(c, rt, m)
	case rt.special == "_local":
		h.local(c, rt, m)
	case rt.special == "_design":
		h.design(c, rt, m)
	default:
		h.special(c, rt, m)
	}
}

func (h *Handler) database(c *gin.Context, rt route, m string) {
	switch m {
	case http.MethodGet, http.MethodHead:
		h.dbInfo(c, rt.doctype)
	case http.MethodPut:
		h.dbCreate(c, rt.doctype)
	case http.MethodDelete:
		h.dbDestroy(c, rt.doctype)
	case http.MethodPost:
		h.createDoc(c, rt.doctype)
	default:
		notAllowed(c)
	}
}

func (h *Handler) document(c *gin.Context, rt route, m string) {
	switch m {
	case http.MethodGet, http.MethodHead:
		h.getDoc(c, rt.doctype, rt.id)
	case http.MethodPut:
		h.putDoc(c, rt.doctype, rt.id)
	case http.MethodDelete:
		h.deleteDoc(c, rt.doctype, rt.id)
	default:
		notAllowed(c)
	}
}

func (h *Handler) special(c *gin.Context, rt route, m string) {
	type key struct{ name, method string }
	routes := map[key]func(*gin.Context, string){
		{"_all_docs", http.MethodGet}:            h.allDocs,
		{"_all_docs", http.MethodPost}:           h.allDocs,
		{"_normal_docs", http.MethodGet}:         h.normalDocs,
		{"_design_docs", http.MethodGet}:         h.designDocs,
		{"_design_docs", http.MethodPost}:        h.designDocs,
		{"_find", http.MethodPost}:               h.find,
		{"_index", http.MethodPost}:              h.createIndex,
		{"_index", http.MethodGet}:               h.listIndexes,
		{"_changes", http.MethodGet}:             h.changes,
		{"_changes", http.MethodPost}:            h.changes,
		{"_revs_diff", http.MethodPost}:          h.revsDiff,
		{"_bulk_get", http.MethodPost}:           h.bulkGet,
		{"_bulk_docs", http.MethodPost}:          h.bulkDocs,
		{"_ensure_full_commit", http.MethodPost}: h.ensureFullCommit,
	}
	if rt.special == "_index" && m == http.MethodDelete {
		h.deleteIndex(c, rt)
		return
	}
	if len(rt.extra) > 0 && !(len(rt.extra) == 1 && rt.extra[0] == "") {
		notFound(c)
		return
	}
	if f, ok := routes[key{rt.special, m}]; ok {
		f(c, rt.doctype)
		return
	}
	for k := range routes {
		if k.name == rt.special {
			notAllowed(c)
			return
		}
	}
	notFound(c)
}

// db returns the doctype's database in the instance's store.
func (h *Handler) db(c *gin.Context, doctype string) (store.DB, bool) {
	inst := middleware.GetInstance(c)
	if inst == nil {
		notFound(c)
		return nil, false
	}
	st, err := h.Instances.Store(inst)
	if err != nil {
		fail(c, err)
		return nil, false
	}
	return st.DB(doctype), true
}

// readBody reads the whole request body within the configured limit.
func (h *Handler) readBody(c *gin.Context) ([]byte, bool) {
	limit := h.BodyLimit
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, &httperr.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
				Detail: "the request body is larger than " + strconv.FormatInt(limit, 10) + " bytes"})
			return nil, false
		}
		fail(c, store.BadRequest("cannot read the request body: %v", err))
		return nil, false
	}
	return b, true
}

// storeStatus maps a store sentinel to its HTTP status.
func storeStatus(kind error) int {
	switch {
	case errors.Is(kind, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(kind, store.ErrConflict):
		return http.StatusConflict
	case errors.Is(kind, store.ErrBadRequest), errors.Is(kind, store.ErrNoUsableIndex):
		return http.StatusBadRequest
	case errors.Is(kind, store.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(kind, store.ErrExists):
		return http.StatusPreconditionFailed
	case errors.Is(kind, store.ErrNotSupported):
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// fail renders err in CouchDB's shape and aborts the request.
func fail(c *gin.Context, err error) {
	var se *store.Error
	if errors.As(err, &se) && se.Kind != nil {
		status := storeStatus(se.Kind)
		if status >= 500 {
			c.Error(err)
			c.AbortWithStatusJSON(status, gin.H{"error": "internal_server_error", "reason": http.StatusText(status)})
			return
		}
		c.AbortWithStatusJSON(status, gin.H{"error": se.Code, "reason": se.Reason})
		return
	}
	httperr.Couch(c, err)
}

func badRequest(c *gin.Context, format string, args ...any) {
	fail(c, store.BadRequest(format, args...))
}

func notFound(c *gin.Context) {
	fail(c, &httperr.Error{Status: http.StatusNotFound, Code: "not_found", Detail: "missing"})
}

func notAllowed(c *gin.Context) {
	fail(c, &httperr.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Detail: "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path})
}

// seqString renders an update sequence as clients see it.
func seqString(seq uint64) string { return strconv.FormatUint(seq, 10) }

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
