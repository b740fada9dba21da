package files

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// create handles POST /files/:dir-id?Type=directory|file&Name=...
func (h *Handler) create(c *gin.Context) error {
	// Credentials first: without them, nothing may be learnt of the parent.
	if err := h.auth.RequireSome(c, permission.POST, vfs.Doctype); err != nil {
		return err
	}
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	dirID, typ, name := c.Param("id"), c.Query("Type"), c.Query("Name")
	if typ != vfs.TypeDirectory && typ != vfs.TypeFile {
		return fmt.Errorf("%w: Type must be %q or %q", vfs.ErrInvalidType, vfs.TypeDirectory, vfs.TypeFile)
	}
	if name == "" {
		return fmt.Errorf("%w: missing Name", vfs.ErrInvalidName)
	}
	if dirID == "" {
		dirID = vfs.RootID
	}
	// The permission is checked on the document to be, inside its parent.
	if err := h.require(c, fs, permission.POST, &vfs.File{Type: typ, DirID: dirID, Name: name}); err != nil {
		return err
	}
	var f *vfs.File
	if typ == vfs.TypeDirectory {
		f, err = h.createDir(c, fs, dirID, name)
	} else {
		f, err = h.createFile(c, fs, dirID, name)
	}
	if err != nil {
		return err
	}
	c.Header("Location", "/files/"+f.ID)
	return jsonapi.Data(c, http.StatusCreated, toObject(inst.TokenSecret, f))
}

func (h *Handler) createDir(c *gin.Context, fs *vfs.FS, dirID, name string) (*vfs.File, error) {
	created, err := queryTime(c, "CreatedAt", headerDate(c))
	if err != nil {
		return nil, err
	}
	return fs.CreateDir(c.Request.Context(), vfs.DirOptions{Name: name, DirID: dirID, Tags: tags(c), CreatedAt: created, App: appSlug(c)})
}

func (h *Handler) createFile(c *gin.Context, fs *vfs.FS, dirID, name string) (*vfs.File, error) {
	created, err := queryTime(c, "CreatedAt", headerDate(c))
	if err != nil {
		return nil, err
	}
	meta, err := h.requestMetadata(c, fs)
	if err != nil {
		return nil, err
	}
	opts, err := fileOptions(c, headerDate(c))
	if err != nil {
		return nil, err
	}
	opts.Name, opts.DirID, opts.CreatedAt, opts.Metadata = name, dirID, created, meta
	return fs.CreateFile(c.Request.Context(), opts, c.Request.Body)
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
func (h *Handler) overwrite(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.PUT, c.Param("id"))
	if err != nil {
		return err
	}
	opts, err := fileOptions(c, headerDate(c))
	if err != nil {
		return err
	}
	if c.Query("Tags") == "" {
		opts.Tags = nil // keep the current tags
	}
	opts.IfMatch = ifMatch(c)
	if opts.Metadata, err = h.requestMetadata(c, fs); err != nil {
		return err
	}
	g, err := fs.Overwrite(c.Request.Context(), f.ID, opts, c.Request.Body)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, toObject(inst.TokenSecret, g))
}

// get handles GET /files/:id.
func (h *Handler) get(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.GET, c.Param("id"))
	if err != nil {
		return err
	}
	return h.render(c, fs, inst, f)
}

// metadata handles GET /files/metadata?Path=...
func (h *Handler) metadata(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.byPath(c, fs, permission.GET)
	if err != nil {
		return err
	}
	return h.render(c, fs, inst, f)
}

// render writes a file, or a directory with a page of its children.
func (h *Handler) render(c *gin.Context, fs *vfs.FS, inst *instance.Instance, f *vfs.File) error {
	if !f.IsDir() {
		return jsonapi.Data(c, http.StatusOK, toObject(inst.TokenSecret, f))
	}
	limit, cursor := page(c)
	kids, next, err := children(c, fs, f.ID, cursor, limit)
	if err != nil {
		return err
	}
	return jsonapi.Write(c, http.StatusOK, dirDocument(inst.TokenSecret, f, kids, next))
}

// children reads a page of a directory and the cursor of the next one.
func children(c *gin.Context, fs *vfs.FS, dirID, cursor string, limit int) ([]*vfs.File, string, error) {
	kids, err := fs.Children(c.Request.Context(), dirID, cursor, limit+1)
	if err != nil || len(kids) <= limit {
		return kids, "", err
	}
	kids = kids[:limit]
	return kids, kids[limit-1].Name, nil
}

// size handles GET /files/:id/size.
func (h *Handler) size(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.GET, c.Param("id"))
	if err != nil {
		return err
	}
	n, err := fs.DirSize(c.Request.Context(), f)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, jsonapi.Object{Type: "io.cozy.files.sizes", ID: f.ID,
		Attributes: map[string]string{"size": strconv.FormatInt(n, 10)}})
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
func (h *Handler) patch(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.PATCH, c.Param("id"))
	if err != nil {
		return err
	}
	return h.applyPatch(c, fs, inst, f)
}

// patchByPath handles PATCH /files/metadata?Path=...
func (h *Handler) patchByPath(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.byPath(c, fs, permission.PATCH)
	if err != nil {
		return err
	}
	return h.applyPatch(c, fs, inst, f)
}

func (h *Handler) applyPatch(c *gin.Context, fs *vfs.FS, inst *instance.Instance, f *vfs.File) error {
	var body patchBody
	if err := request.JSON(c, request.JSONBody, &body); err != nil {
		return err
	}
	g, err := h.patchOne(c, fs, inst, f, body, ifMatch(c))
	if err != nil {
		return err
	}
	if g == nil {
		c.Status(http.StatusNoContent)
		return nil
	}
	return jsonapi.Data(c, http.StatusOK, toObject(inst.TokenSecret, g))
}

// patchOne applies one patch; it returns nil and no error when the file
// was deleted for good.
func (h *Handler) patchOne(c *gin.Context, fs *vfs.FS, inst *instance.Instance, f *vfs.File, body patchBody, rev string) (*vfs.File, error) {
	ctx := c.Request.Context()
	a := body.Data.Attributes
	if a.MoveToTrash || a.PermanentDelete {
		if err := h.require(c, fs, permission.DELETE, f); err != nil {
			return nil, err
		}
		if !f.Trashed {
			g, err := fs.Trash(ctx, f.ID, rev, actor(inst))
			if err != nil {
				return nil, err
			}
			f = g
		}
		if a.PermanentDelete {
			return nil, fs.Destroy(ctx, f.ID)
		}
		return f, nil
	}
	if a.DirID != nil && *a.DirID != f.DirID {
		// Moving needs the right to write in the destination too.
		if err := h.require(c, fs, permission.PATCH, &vfs.File{Type: f.Type, DirID: *a.DirID}); err != nil {
			return nil, err
		}
	}
	p := vfs.Patch{Name: a.Name, DirID: a.DirID, Tags: a.Tags, Executable: a.Executable, IfMatch: rev, App: appSlug(c)}
	if a.CozyMetadata != nil {
		p.Favorite = a.CozyMetadata.Favorite
	}
	return fs.Modify(ctx, f.ID, p)
}

// trash handles DELETE /files/:id: the file goes to the trash.
func (h *Handler) trash(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.DELETE, c.Param("id"))
	if err != nil {
		return err
	}
	g, err := fs.Trash(c.Request.Context(), f.ID, ifMatch(c), actor(inst))
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, toObject(inst.TokenSecret, g))
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
