package data

import (
	"log/slog"
	"net/http"
	"net/url"
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
	// AttachmentLimit bounds the body of a raw attachment PUT, in bytes
	// (<= 0: DefaultAttachmentLimit).
	AttachmentLimit int64
	// Relationships, when set, serves the references of documents
	// (/data/:doctype/:id/relationships/references); nil answers 404.
	Relationships RelationshipsHandler
	// Views, when set, runs the JavaScript of design documents (views and
	// changes filters); nil answers 501 to them.
	Views store.QueryServer
}

// Register adds the /data routes to r. A single catch-all route dispatches
// on the escaped path, so that document ids may hold "/" (sent as %2F).
func (h *Handler) Register(r *gin.RouterGroup) {
	r.Any("/data/*path", httperr.Handle(h.dispatch))
}

// route is a parsed /data path.
type route struct {
	doctype string
	special string // "_all_docs", "_local", "_design", ... or "" for a document
	id      string // document id, local id or design name
	att     string // attachment name (/data/:doctype/:id/:att, may hold "/")
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
		rt.id = first
		if len(segs) > 2 {
			rt.att = strings.Join(segs[2:], "/")
		}
	}
	return rt, true
}

func (h *Handler) dispatch(c *gin.Context) error {
	if doctype, id, ok := referencesPath(c.Request.URL.EscapedPath()); ok {
		if h.Relationships == nil { // not an attachment named "relationships/references"
			return errMissing
		}
		h.Relationships.References(c, doctype, id)
		return nil
	}
	rt, ok := parsePath(c.Request.URL.EscapedPath())
	if !ok {
		return errMissing
	}
	m := c.Request.Method
	switch {
	case rt.doctype == "":
		return h.root(c, m)
	case rt.doctype == "_all_doctypes" && m == http.MethodGet:
		return h.allDoctypes(c)
	case rt.special == "" && rt.id == "":
		return h.database(c, rt, m)
	case rt.special == "" && rt.att != "":
		return h.attachment(c, rt, m)
	case rt.special == "":
		return h.document(c, rt, m)
	case rt.special == "_local":
		return h.local(c, rt, m)
	case rt.special == "_design":
		return h.design(c, rt, m)
	default:
		return h.special(c, rt, m)
	}
}

func (h *Handler) database(c *gin.Context, rt route, m string) error {
	switch m {
	case http.MethodGet, http.MethodHead:
		return h.dbInfo(c, rt.doctype)
	case http.MethodPut:
		return h.dbCreate(c, rt.doctype)
	case http.MethodDelete:
		return h.dbDestroy(c, rt.doctype)
	case http.MethodPost:
		return h.createDoc(c, rt.doctype)
	}
	return notAllowed(c)
}

func (h *Handler) document(c *gin.Context, rt route, m string) error {
	switch m {
	case http.MethodGet, http.MethodHead:
		return h.getDoc(c, rt.doctype, rt.id)
	case http.MethodPut:
		return h.putDoc(c, rt.doctype, rt.id)
	case http.MethodDelete:
		return h.deleteDoc(c, rt.doctype, rt.id)
	}
	return notAllowed(c)
}

// specialRoute names a /data/:doctype/_name route and its method.
type specialRoute struct{ name, method string }

// specials returns the handlers of the /data/:doctype/_name routes.
func (h *Handler) specials() map[specialRoute]func(*gin.Context, string) error {
	return map[specialRoute]func(*gin.Context, string) error{
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
		{"_compact", http.MethodPost}:            h.compact,
		{"_purge", http.MethodPost}:              h.purge,
		{"_revs_limit", http.MethodGet}:          h.revsLimit,
		{"_revs_limit", http.MethodPut}:          h.setRevsLimit,
	}
}

func (h *Handler) special(c *gin.Context, rt route, m string) error {
	if rt.special == "_index" && m == http.MethodDelete {
		return h.deleteIndex(c, rt)
	}
	if len(rt.extra) > 0 && !(len(rt.extra) == 1 && rt.extra[0] == "") {
		return errMissing
	}
	routes := h.specials()
	if f, ok := routes[specialRoute{rt.special, m}]; ok {
		return f(c, rt.doctype)
	}
	for k := range routes {
		if k.name == rt.special {
			return notAllowed(c)
		}
	}
	return errMissing
}

// db returns the doctype's database in the instance's store.
func (h *Handler) db(c *gin.Context, doctype string) (store.DB, error) {
	inst := middleware.GetInstance(c)
	if inst == nil {
		return nil, errMissing
	}
	st, err := h.Instances.Store(inst)
	if err != nil {
		return nil, err
	}
	return st.DB(doctype), nil
}

// errMissing is CouchDB's answer for a path that names nothing.
var errMissing = &httperr.Error{Status: http.StatusNotFound, Code: "not_found", Detail: "missing"}

// notAllowed is the answer for a method a /data route does not serve.
func notAllowed(c *gin.Context) error {
	return &httperr.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Detail: "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path}
}
