package apps

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// inRoot joins a "/"-rooted package path to root, refusing anything that
// would leave it.
func inRoot(root, p string) (string, bool) {
	clean := path.Clean("/" + p)
	if strings.Contains(clean, "\x00") {
		return "", false
	}
	full := filepath.Join(root, filepath.FromSlash(clean))
	if full != root && !strings.HasPrefix(full, root+string(filepath.Separator)) {
		return "", false
	}
	return full, true
}

func (h *Handler) icon(c *gin.Context, k apps.Kind) {
	if !h.Auth.AllowSome(c, permission.GET, k.Doctype()) {
		return
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c, inst, k, c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	if a.Manifest.Icon == "" || a.Dir == "" {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "this application has no icon"))
		return
	}
	file, ok := inRoot(h.Apps.Root(inst, a), a.Manifest.Icon)
	if !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no icon"))
		return
	}
	h.serveFile(c, file, a.Manifest.Icon, a.Dir)
}

func (h *Handler) download(c *gin.Context, k apps.Kind) {
	if !h.Auth.AllowWhole(c, permission.GET, k.Doctype()) {
		return
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c, inst, k, c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	version := c.Param("version")
	if a.RegistryURL != "" && (version == "" || version == a.Version()) {
		c.Redirect(http.StatusFound, a.RegistryURL)
		return
	}
	root, err := h.Apps.VersionRoot(inst, a, version)
	if err != nil {
		fail(c, err)
		return
	}
	if version == "" {
		version = a.Version()
	}
	c.Header("Content-Type", "application/gzip")
	c.Header("Content-Disposition", `attachment; filename="`+a.Slug+"-"+version+`.tar.gz"`)
	c.Status(http.StatusOK)
	if err := writeTarGz(c.Writer, root); err != nil {
		h.Log.WarnContext(c, "apps: download", "slug", a.Slug, "error", err)
	}
}

// writeTarGz streams the files under root as a gzipped tarball.
func writeTarGz(w io.Writer, root string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := gz.Close(); err == nil {
		err = cerr
	}
	return err
}

// open gives the flagship app what it needs to open a web app: a session
// cookie and the index template's values.
func (h *Handler) open(c *gin.Context) {
	if !h.Auth.AllowWhole(c, permission.GET, apps.Webapp.Doctype()) {
		return
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c, inst, apps.Webapp, c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	s, err := h.Sessions.FromRequest(c, inst, c.Request)
	if err != nil {
		if s, err = h.Sessions.Create(c, inst, false); err != nil {
			httperr.JSONAPI(c, err)
			return
		}
	}
	data, err := h.indexData(c, inst, a, s)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	cookie := session.Cookie(inst, s, c.Request.TLS != nil)
	jsonapi(c, http.StatusOK, gin.H{"data": gin.H{
		"id": a.DocID, "type": "io.cozy.apps.open",
		"attributes": gin.H{
			"Cookie": cookie.String(), "AppEditor": data.AppEditor, "AppName": data.AppName, "AppSlug": data.AppSlug,
			"AppNamePrefix": data.AppNamePrefix, "Capabilities": data.Capabilities, "CozyBar": data.CozyBar,
			"CozyClientJS": data.CozyClientJS, "CozyFonts": data.CozyFonts, "DefaultWallpaper": data.DefaultWallpaper,
			"Domain": data.Domain, "Favicon": data.Favicon, "Flags": data.Flags, "IconPath": data.IconPath,
			"Locale": data.Locale, "SubDomain": data.SubDomain, "ThemeCSS": data.ThemeCSS, "Token": data.Token,
			"Tracking": data.Tracking,
		},
		"links": gin.H{"self": "/apps/" + a.Slug + "/open"},
	}})
}

// indexData computes the template values of an app's index; s is nil on
// a public route (no token then).
func (h *Handler) indexData(c *gin.Context, inst *instance.Instance, a *apps.App, s *session.Session) (IndexData, error) {
	d := IndexData{
		Domain: inst.Domain, Locale: inst.Locale, AppName: a.Manifest.Name, AppSlug: a.Slug,
		AppNamePrefix: a.Manifest.NamePrefix, AppEditor: a.Manifest.Editor, IconPath: a.Manifest.Icon,
		SubDomain: h.Subdomains, Tracking: "false", Flags: "{}", IsLoggedIn: s != nil,
	}
	caps, _ := json.Marshal(config.Capabilities(h.Subdomains)) // a map of booleans always encodes
	d.Capabilities = string(caps)
	d.CozyBar, d.CozyClientJS, d.CozyFonts = helpers(inst.Domain)
	if s != nil {
		tok, err := inst.IssueClaims(token.Claims{Audience: token.App, Subject: a.Slug, SessionID: s.ID, IssuedAt: h.now().Unix()})
		if err != nil {
			return d, err
		}
		d.Token = tok
	}
	return d, nil
}
