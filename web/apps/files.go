package apps

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// notFound answers 404 for a file missing from an app's folder (or
// outside it), without naming the path; other errors pass.
// apps.ErrNoFile has no entry in httperr's table yet.
func notFound(err error) error {
	if errors.Is(err, apps.ErrNoFile) {
		return &httperr.Error{Status: http.StatusNotFound, Detail: "no such file in the application", Err: err}
	}
	return err
}

// openRoot opens the serving folder of a; a folder gone is a 404.
func (h *Handler) openRoot(inst *instance.Instance, a *apps.App) (*os.Root, error) {
	root, err := h.Apps.OpenRoot(inst, a)
	if err != nil {
		return nil, &httperr.Error{Status: http.StatusNotFound, Detail: "the application has no files", Err: err}
	}
	return root, nil
}

// icon serves GET /apps/:slug/icon and /apps/:slug/icon/:version. As
// upstream, the browser of a logged-in user may load it with its session
// cookie alone (an <img> carries no token); other requests need a token
// allowed to read some apps. With the installed version in the path the
// answer is cached for good (the path changes with the version); another
// version gets the current icon, revalidated.
func (h *Handler) icon(c *gin.Context, k apps.Kind) error {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		if err := h.Auth.RequireSome(c, permission.GET, k.Doctype()); err != nil {
			return err
		}
	}
	a, err := h.Apps.Get(c.Request.Context(), inst, k, c.Param("slug"))
	if err != nil {
		return err
	}
	if a.Manifest.Icon == "" || a.Dir == "" {
		return httperr.NotFound("this application has no icon")
	}
	root, err := h.openRoot(inst, a)
	if err != nil {
		return err
	}
	defer root.Close()
	if v := c.Param("version"); v != "" && v == a.Version() {
		c.Set(keyCacheControl, cacheImmutable)
	}
	return h.serveFile(c, root, a.Manifest.Icon, a.Dir)
}

// download serves GET /apps/:slug/download[/:version]: the registry's
// tarball, or the kept files as a tarball.
func (h *Handler) download(c *gin.Context, k apps.Kind) error {
	if err := h.Auth.RequireWhole(c, permission.GET, k.Doctype()); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c.Request.Context(), inst, k, c.Param("slug"))
	if err != nil {
		return err
	}
	version := c.Param("version")
	if a.RegistryURL != "" && (version == "" || version == a.Version()) {
		c.Redirect(http.StatusFound, a.RegistryURL)
		return nil
	}
	root, err := h.Apps.OpenVersionRoot(inst, a, version)
	if err != nil {
		return err
	}
	defer root.Close()
	if version == "" {
		version = a.Version()
	}
	c.Header("Content-Type", "application/gzip")
	c.Header("Content-Disposition", `attachment; filename="`+a.Slug+"-"+version+`.tar.gz"`)
	c.Status(http.StatusOK)
	return writeTarGz(c.Writer, root.FS())
}

// writeTarGz streams the directories and regular files of fsys as a
// gzipped tarball; symbolic links are left out.
func writeTarGz(w io.Writer, fsys fs.FS) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
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
		hdr.Name = p
		if d.IsDir() {
			hdr.Name += "/"
			return tw.WriteHeader(hdr)
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
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
