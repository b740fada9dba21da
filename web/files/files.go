package files

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// create handles POST /files/:dir-id?Type=directory|file&Name=...
func (h *Handler) create(c *gin.Context) {
	// Credentials first: without them, nothing may be learnt of the parent.
	if !h.mayTouchFiles(c, permission.POST) {
		return
	}
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	dirID := c.Param("id")
	if dirID == "" {
		dirID = vfs.RootID
	}
	typ := c.Query("Type")
	if typ != vfs.TypeDirectory && typ != vfs.TypeFile {
		fail(c, fmt.Errorf("%w: Type must be %q or %q", vfs.ErrInvalidType, vfs.TypeDirectory, vfs.TypeFile))
		return
	}
	if c.Query("Name") == "" {
		fail(c, fmt.Errorf("%w: missing Name", vfs.ErrInvalidName))
		return
	}
	// The permission is checked on the document to be, inside its parent.
	if !h.allow(c, fs, permission.POST, &vfs.File{Type: typ, DirID: dirID, Name: c.Query("Name")}) {
		return
	}
	date := headerDate(c)
	created, err := queryTime(c, "CreatedAt", date)
	if err != nil {
		fail(c, err)
		return
	}
	var f *vfs.File
	if typ == vfs.TypeDirectory {
		f, err = fs.CreateDir(ctx, vfs.DirOptions{Name: c.Query("Name"), DirID: dirID, Tags: tags(c), CreatedAt: created, App: appSlug(c)})
	} else {
		meta, ok := h.requestMetadata(c, fs)
		if !ok {
			return
		}
		var opts vfs.FileOptions
		if opts, err = fileOptions(c, date); err == nil {
			opts.Name, opts.DirID, opts.CreatedAt, opts.Metadata = c.Query("Name"), dirID, created, meta
			f, err = fs.CreateFile(ctx, opts, c.Request.Body)
		}
	}
	if err != nil {
		fail(c, err)
		return
	}
	h.thumbnailsInBackground(fs, f)
	c.Header("Location", "/files/"+f.ID)
	renderOne(c, http.StatusCreated, f)
}

// fileOptions reads the upload parameters common to POST and PUT.
func fileOptions(c *gin.Context, date time.Time) (vfs.FileOptions, error) {
	opts := vfs.FileOptions{
		Size: c.Request.ContentLength, ContentType: c.GetHeader("Content-Type"), Tags: tags(c),
		Executable: c.Query("Executable") == "true", Encrypted: c.Query("Encrypted") == "true",
		App: appSlug(c), SourceAccount: c.Query("SourceAccount"), SourceAccountIdentifier: c.Query("SourceAccountIdentifier"),
	}
	if s := c.Query("Size"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return opts, httperr.New(http.StatusUnprocessableEntity, "invalid Size")
		}
		if opts.Size >= 0 && opts.Size != n {
			return opts, fmt.Errorf("%w: Size %d, Content-Length %d", vfs.ErrSizeMismatch, n, opts.Size)
		}
		opts.Size = n
	}
	if m := c.GetHeader("Content-MD5"); m != "" {
		sum, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(sum) != 16 {
			return opts, vfs.ErrInvalidMD5
		}
		opts.MD5Sum = sum
	}
	var err error
	opts.UpdatedAt, err = queryTime(c, "UpdatedAt", date)
	return opts, err
}

// overwrite handles PUT /files/:file-id.
func (h *Handler) overwrite(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.PUT, c.Param("id"))
	if !ok {
		return
	}
	opts, err := fileOptions(c, headerDate(c))
	if err != nil {
		fail(c, err)
		return
	}
	if c.Query("Tags") == "" {
		opts.Tags = nil // keep the current tags
	}
	opts.IfMatch = ifMatch(c)
	if opts.Metadata, ok = h.requestMetadata(c, fs); !ok {
		return
	}
	g, err := fs.Overwrite(c.Request.Context(), f.ID, opts, c.Request.Body)
	if err != nil {
		fail(c, err)
		return
	}
	h.thumbnailsInBackground(fs, g)
	renderOne(c, http.StatusOK, g)
}

// get handles GET /files/:id.
func (h *Handler) get(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.GET, c.Param("id"))
	if !ok {
		return
	}
	h.render(c, fs, f)
}

// metadata handles GET /files/metadata?Path=...
func (h *Handler) metadata(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.byPath(c, fs, permission.GET)
	if !ok {
		return
	}
	h.render(c, fs, f)
}

func (h *Handler) byPath(c *gin.Context, fs *vfs.FS, v permission.Verb) (*vfs.File, bool) {
	p := c.Query("Path")
	if p == "" {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "missing Path"))
		return nil, false
	}
	f, err := fs.GetByPath(c.Request.Context(), p)
	if err != nil {
		if !h.auth.AllowSome(c, v, vfs.Doctype) {
			return nil, false
		}
		fail(c, err)
		return nil, false
	}
	if !h.allow(c, fs, v, f) {
		return nil, false
	}
	return f, true
}

// render writes a file, or a directory with a page of its children.
func (h *Handler) render(c *gin.Context, fs *vfs.FS, f *vfs.File) {
	if !f.IsDir() {
		renderOne(c, http.StatusOK, f)
		return
	}
	limit, cursor := page(c)
	kids, err := fs.Children(c.Request.Context(), f.ID, cursor, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	next := ""
	if len(kids) > limit {
		kids = kids[:limit]
		next = kids[limit-1].Name
	}
	renderDir(c, f, kids, next)
}

// size handles GET /files/:id/size.
func (h *Handler) size(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.GET, c.Param("id"))
	if !ok {
		return
	}
	n, err := fs.DirSize(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"data": gin.H{
		"type": "io.cozy.files.sizes", "id": f.ID, "attributes": gin.H{"size": strconv.FormatInt(n, 10)},
		"meta": gin.H{},
	}})
}

// patchBody is the JSON:API body of PATCH.
type patchBody struct {
	Data struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Attributes struct {
			Name            *string   `json:"name"`
			DirID           *string   `json:"dir_id"`
			Tags            *[]string `json:"tags"`
			Executable      *bool     `json:"executable"`
			UpdatedAt       *string   `json:"updated_at"`
			MoveToTrash     bool      `json:"move_to_trash"`
			PermanentDelete bool      `json:"permanent_delete"`
			CozyMetadata    *struct {
				Favorite *bool `json:"favorite"`
			} `json:"cozyMetadata"`
		} `json:"attributes"`
	} `json:"data"`
}

// patch handles PATCH /files/:id.
func (h *Handler) patch(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.PATCH, c.Param("id"))
	if !ok {
		return
	}
	h.applyPatch(c, fs, inst, f)
}

// patchByPath handles PATCH /files/metadata?Path=...
func (h *Handler) patchByPath(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.byPath(c, fs, permission.PATCH)
	if !ok {
		return
	}
	h.applyPatch(c, fs, inst, f)
}

func (h *Handler) applyPatch(c *gin.Context, fs *vfs.FS, inst *instance.Instance, f *vfs.File) {
	var body patchBody
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	g, ok := h.patchOne(c, fs, inst, f, body, ifMatch(c))
	if !ok {
		return
	}
	if g == nil {
		c.Status(http.StatusNoContent)
		return
	}
	renderOne(c, http.StatusOK, g)
}

// patchOne applies one patch; it returns nil and true when the file was
// deleted for good, and false when it has rendered an error.
func (h *Handler) patchOne(c *gin.Context, fs *vfs.FS, inst *instance.Instance, f *vfs.File, body patchBody, rev string) (*vfs.File, bool) {
	ctx := c.Request.Context()
	a := body.Data.Attributes
	if a.MoveToTrash || a.PermanentDelete {
		if !h.allow(c, fs, permission.DELETE, f) {
			return nil, false
		}
		if !f.Trashed {
			g, err := fs.Trash(ctx, f.ID, rev, actor(inst))
			if err != nil {
				fail(c, err)
				return nil, false
			}
			f = g
		}
		if a.PermanentDelete {
			if err := fs.Destroy(ctx, f.ID); err != nil {
				fail(c, err)
				return nil, false
			}
			return nil, true
		}
		return f, true
	}
	if a.DirID != nil && *a.DirID != f.DirID {
		// Moving needs the right to write in the destination too.
		if !h.allow(c, fs, permission.PATCH, &vfs.File{Type: f.Type, DirID: *a.DirID}) {
			return nil, false
		}
	}
	p := vfs.Patch{Name: a.Name, DirID: a.DirID, Tags: a.Tags, Executable: a.Executable, IfMatch: rev, App: appSlug(c)}
	if a.CozyMetadata != nil {
		p.Favorite = a.CozyMetadata.Favorite
	}
	g, err := fs.Modify(ctx, f.ID, p)
	if err != nil {
		fail(c, err)
		return nil, false
	}
	return g, true
}

// trash handles DELETE /files/:id: the file goes to the trash.
func (h *Handler) trash(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.DELETE, c.Param("id"))
	if !ok {
		return
	}
	g, err := fs.Trash(c.Request.Context(), f.ID, ifMatch(c), actor(inst))
	if err != nil {
		fail(c, err)
		return
	}
	renderOne(c, http.StatusOK, g)
}

// ifMatch returns the If-Match revision without quotes.
func ifMatch(c *gin.Context) string {
	return strings.Trim(c.GetHeader("If-Match"), `"`)
}

// tags reads Tags=a,b (possibly repeated).
func tags(c *gin.Context) []string {
	var out []string
	for _, v := range c.QueryArray("Tags") {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// headerDate reads the Date header (zero when absent or invalid).
func headerDate(c *gin.Context) time.Time {
	t, err := http.ParseTime(c.GetHeader("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// queryTime reads an RFC 3339 query parameter, defaulting to def.
func queryTime(c *gin.Context, key string, def time.Time) (time.Time, error) {
	v := c.Query(key)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, httperr.New(http.StatusUnprocessableEntity, "invalid "+key+": "+v)
	}
	return t, nil
}

// page reads page[limit] (default 30, at most 1000) and page[cursor].
func page(c *gin.Context) (int, string) {
	limit := 30
	if v := c.Query("page[limit]"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			limit = min(n, 1000)
		}
	}
	return limit, c.Query("page[cursor]")
}
