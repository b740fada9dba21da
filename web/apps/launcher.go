package apps

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

//go:embed templates/launcher.html
var launcherFS embed.FS

var launcherTmpl = template.Must(template.ParseFS(launcherFS, "templates/launcher.html"))

// launcherApp is one app of the launcher page.
type launcherApp struct{ Name, URL, Icon string }

// launcherData is what the launcher page shows.
type launcherData struct {
	Lang, Title, Domain, Empty, Logout, CSRF string
	Apps                                     []launcherApp
}

var launcherText = map[string]map[string]string{
	"en": {"title": "Your applications", "empty": "No application is installed yet. Install one with `cozy apps install`, or ask whoever set up this box.", "logout": "Log out"},
	"fr": {"title": "Vos applications", "empty": "Aucune application n'est installée pour le moment. Installez-en une avec `cozy apps install`, ou demandez à qui a installé ce boîtier.", "logout": "Se déconnecter"},
}

// launcherMax bounds the apps the page lists.
const launcherMax = 200

// HomeURL is where a logged-in user lands (see apps.Manager.HomeURL).
func (h *Handler) HomeURL(ctx context.Context, inst *instance.Instance) (string, bool, error) {
	return h.Apps.HomeURL(ctx, inst)
}

// Launcher writes the page shown to a logged-in user when no home app is
// installed: the installed apps, each with its icon and a link to it, so
// that the instance is never a dead end. The caller has checked the
// session; csrf is the token of the logout form.
func (h *Handler) Launcher(c *gin.Context, csrf string) error {
	inst := middleware.GetInstance(c)
	list, _, err := h.Apps.List(c.Request.Context(), inst, apps.Webapp, "", launcherMax)
	if err != nil {
		return err
	}
	lang := pages.Locale(inst.Locale)
	txt := launcherText[lang]
	d := launcherData{Lang: lang, Title: txt["title"], Domain: inst.Domain, Empty: txt["empty"], Logout: txt["logout"], CSRF: csrf}
	for _, a := range list {
		if (a.State != apps.Ready && a.State != apps.Upgrading) || a.Dir == "" {
			continue
		}
		name := a.Manifest.Name
		if a.Manifest.NamePrefix != "" {
			name = a.Manifest.NamePrefix + " " + name
		}
		if strings.TrimSpace(name) == "" {
			name = a.Slug
		}
		d.Apps = append(d.Apps, launcherApp{Name: name, URL: inst.AppURL(a.Slug), Icon: "/apps/" + a.Slug + "/icon/" + url.PathEscape(a.Version())})
	}
	var buf bytes.Buffer
	if err := launcherTmpl.Execute(&buf, d); err != nil {
		return err
	}
	pages.SecurityHeaders(c)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}
