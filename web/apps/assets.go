package apps

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// shared holds the assets apps expect from the stack, fetched from npm by
// assets/fetch.sh before the build (see assets/packages.txt); the
// directory only holds a README in a fresh clone.
//
//go:embed all:assets/dist
var shared embed.FS

// sharedCache is the Cache-Control of the shared assets: their names carry
// no hash, but they only change with the binary.
const sharedCache = "public, max-age=86400"

// SharedAssets returns the shared assets, rooted at their directory.
func SharedAssets() fs.FS {
	sub, err := fs.Sub(shared, "assets/dist")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// stamp names the version of the shared assets, for their ETags.
func stamp() string {
	b, _ := fs.ReadFile(SharedAssets(), ".stamp")
	return strings.TrimSpace(string(b))
}

// asset serves GET /assets/*name on the instance's domain.
func (h *Handler) asset(c *gin.Context) error {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("filepath")), "/")
	base := path.Base(name)
	if name == "" || strings.HasPrefix(base, ".") || name == "README.md" {
		return httperr.NotFound("no such asset")
	}
	b, err := fs.ReadFile(SharedAssets(), name)
	if err != nil {
		return httperr.NotFound("no such asset (are the shared assets fetched? make assets)")
	}
	tag := etag(stamp(), name, int64(len(b)), 0)
	c.Header("ETag", tag)
	c.Header("Cache-Control", sharedCache)
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, tag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	ct := ContentType(name)
	if !Compressible(ct) {
		c.Data(http.StatusOK, ct, b)
		return nil
	}
	return send(c, ct, b)
}

// helpers returns the tags of the shared assets for the index template,
// pointing at the instance's public origin.
func helpers(inst *instance.Instance) (bar, client, fonts template.HTML) {
	d := template.HTMLEscapeString(inst.Origin()) + "/assets/"
	bar = template.HTML(`<link rel="stylesheet" href="` + d + `css/cozy-bar.min.css"><script src="` + d + `js/cozy-bar.min.js"></script>`)
	client = template.HTML(`<script src="` + d + `js/cozy-client.min.js"></script>`)
	fonts = template.HTML(`<link rel="stylesheet" href="` + d + `fonts/fonts.css">`)
	return bar, client, fonts
}
