package pages

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"t": func(m map[string]string, key string) string { return m[key] },
}).ParseFS(templateFS, "templates/*.html"))

// CSP is the Content-Security-Policy of the pages: only their own assets.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// AssetsPath is where Register serves the embedded CSS and script.
const AssetsPath = "/auth/assets"

// Data is what a page shows. T is filled by Render with the messages of
// the locale.
type Data struct {
	T      map[string]string
	Lang   string
	Title  string
	Error  string // a message key
	Fields map[string]string
	Scopes []string
}

// Locale picks the page language: "fr" for French instances, else "en".
func Locale(instanceLocale string) string {
	if strings.HasPrefix(strings.ToLower(instanceLocale), "fr") {
		return "fr"
	}
	return "en"
}

// Render writes the page name with status, and the security headers every
// page carries.
func Render(c *gin.Context, status int, name, locale string, d Data) {
	d.Lang = Locale(locale)
	d.T = messages[d.Lang]
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name+".html", d); err != nil {
		_ = c.Error(err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	SecurityHeaders(c)
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// SecurityHeaders sets the headers of the server's own pages. HSTS is not
// one of them: middleware.Secure sends it on every answer when the
// instances are served over https (the configuration decides, not the
// connection, which may end at a proxy).
func SecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// Register serves the embedded assets under AssetsPath.
func Register(r gin.IRouter) {
	sub, _ := fs.Sub(assetFS, "assets")
	r.StaticFS(AssetsPath, http.FS(sub))
}
