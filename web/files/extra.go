package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// DownloadLinkTTL is how long a download link made by POST /files/downloads
// stays valid.
const DownloadLinkTTL = 10 * time.Minute

// refsBody is a JSON:API list of references.
type refsBody struct {
	Data []vfs.Reference `json:"data"`
}

// references handles POST and DELETE /files/:id/relationships/referenced_by
// and /files/:dir-id/relationships/not_synchronized_on.
func (h *Handler) references(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.PATCH, c.Param("id"))
	if !ok {
		return
	}
	var body refsBody
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	ctx := c.Request.Context()
	var err error
	notSync := strings.HasSuffix(c.FullPath(), "/not_synchronized_on")
	switch {
	case notSync && c.Request.Method == http.MethodDelete:
		f, err = fs.RemoveNotSynchronizedOn(ctx, f.ID, body.Data)
	case notSync:
		f, err = fs.AddNotSynchronizedOn(ctx, f.ID, body.Data)
	case c.Request.Method == http.MethodDelete:
		f, err = fs.RemoveReferencedBy(ctx, f.ID, body.Data)
	default:
		f, err = fs.AddReferencedBy(ctx, f.ID, body.Data)
	}
	if err != nil {
		fail(c, err)
		return
	}
	refs := f.ReferencedBy
	if notSync {
		refs = f.NotSynchronizedOn
	}
	if refs == nil {
		refs = []vfs.Reference{}
	}
	writeJSON(c, http.StatusOK, gin.H{"meta": gin.H{"rev": f.Rev, "count": len(refs)}, "data": refs})
}

// copyFile handles POST /files/:id/copy?Name=&DirID=.
func (h *Handler) copyFile(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.GET, c.Param("id"))
	if !ok {
		return
	}
	dirID := c.Query("DirID")
	if dirID == "" {
		dirID = f.DirID
	}
	if !h.allow(c, fs, permission.POST, &vfs.File{Type: vfs.TypeFile, DirID: dirID}) {
		return
	}
	g, err := fs.Copy(c.Request.Context(), f.ID, c.Query("Name"), dirID, appSlug(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/files/"+g.ID)
	renderOne(c, http.StatusCreated, g)
}

// bulkPatch handles PATCH /files/: a JSON:API list of patches, applied
// one by one; the first failure stops and is rendered.
func (h *Handler) bulkPatch(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4<<20)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	var out []object
	for _, raw := range body.Data {
		var item struct {
			ID   string `json:"id"`
			Meta struct {
				Rev string `json:"rev"`
			} `json:"meta"`
		}
		var one patchBody
		if json.Unmarshal(raw, &item) != nil || json.Unmarshal(raw, &one.Data) != nil || item.ID == "" {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "each item needs an id"))
			return
		}
		f, ok := h.load(c, fs, permission.PATCH, item.ID)
		if !ok {
			return
		}
		g, ok := h.patchOne(c, fs, inst, f, one, item.Meta.Rev)
		if !ok {
			return
		}
		if g != nil {
			o, err := toObject(c, g)
			if err != nil {
				fail(c, err)
				return
			}
			out = append(out, o)
		}
	}
	if out == nil {
		out = []object{}
	}
	writeJSON(c, http.StatusOK, gin.H{"data": out})
}

// downloadLink handles POST /files/downloads?Id=|Path=[&Filename=].
func (h *Handler) downloadLink(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	var f *vfs.File
	if id := c.Query("Id"); id != "" {
		f, ok = h.load(c, fs, permission.GET, id)
	} else if c.Query("Path") != "" {
		f, ok = h.byPath(c, fs, permission.GET)
	} else {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "Id or Path is required"))
		return
	}
	if !ok {
		return
	}
	if f.IsDir() {
		fail(c, vfs.ErrNotFile)
		return
	}
	name := c.Query("Filename")
	if name == "" {
		name = f.Name
	}
	secret := signLink(inst, f.ID, time.Now().Add(DownloadLinkTTL))
	related := "/files/downloads/" + secret + "/" + url.PathEscape(name)
	o, err := toObject(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	o.Links["related"] = related
	writeJSON(c, http.StatusOK, gin.H{"data": o, "links": gin.H{"related": related}})
}

// downloadBySecret handles GET /files/downloads/:secret/:name, without
// authentication: the secret is the credential.
func (h *Handler) downloadBySecret(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if inst == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no instance"))
		return
	}
	id, err := checkLink(inst, c.Param("secret"), time.Now())
	if err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
		return
	}
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, err := fs.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if name, err := url.PathUnescape(c.Param("name")); err == nil && name != "" {
		g := *f
		g.Name = name
		f = &g
	}
	serve(c, fs, f)
}

// signLink makes the secret of a download link: the file id and expiry,
// MACed with the instance's token secret.
func signLink(inst *instance.Instance, id string, exp time.Time) string {
	payload := id + "\n" + strconv.FormatInt(exp.Unix(), 10)
	mac := hmac.New(sha256.New, inst.TokenSecret)
	mac.Write([]byte("files-download\n" + payload))
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(mac.Sum(nil))
}

// checkLink verifies a download secret and returns its file id.
func checkLink(inst *instance.Instance, secret string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(secret, ".")
	payload, err1 := enc.DecodeString(p)
	sum, err2 := enc.DecodeString(m)
	if !ok || err1 != nil || err2 != nil {
		return "", fmt.Errorf("invalid download link")
	}
	mac := hmac.New(sha256.New, inst.TokenSecret)
	mac.Write([]byte("files-download\n"))
	mac.Write(payload)
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return "", fmt.Errorf("invalid download link")
	}
	id, exp, _ := strings.Cut(string(payload), "\n")
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > n {
		return "", fmt.Errorf("expired download link")
	}
	return id, nil
}
