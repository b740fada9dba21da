package setup

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Prefix is where the box's own routes live, on every host: no instance
// route starts with it.
const Prefix = "/box"

// Handler serves the box's setup and HTTPS pages.
type Handler struct {
	Box       *box.Box
	Instances *instance.Manager
	Log       *slog.Logger
}

// Register adds the box's routes under Prefix.
func (h *Handler) Register(r gin.IRouter) {
	g := r.Group(Prefix)
	g.GET("/setup", httperr.Handle(h.page))
	g.POST("/setup", httperr.Handle(h.setup))
	g.GET("/https", httperr.Handle(h.progress))
	g.GET("/ca", httperr.Handle(h.caPage))
	g.GET("/ca.crt", httperr.Handle(h.caCert))
	g.GET("/ca.mobileconfig", httperr.Handle(h.caProfile))
	sub, _ := fs.Sub(assetFS, "assets")
	g.StaticFS("/assets", http.FS(sub))
}

// pageData is what the setup page shows.
type pageData struct {
	Name      string
	Modes     []string
	Providers []provider
	NeedsCode bool // the setup code field is shown (box.setup_code)
}

type provider struct {
	Name   string
	Fields []string
}

// page is the setup form, on the box's own names while the setup is open;
// afterwards it sends to the household's instance.
func (h *Handler) page(c *gin.Context) error {
	if !h.Box.IsBoxHost(c.Request.Host) {
		return httperr.NotFound("the box setup is served on " + h.Box.Name() + ".local")
	}
	if !h.Box.SetupOpen() {
		return h.toInstance(c)
	}
	d := pageData{Name: h.Box.Name(), Modes: h.Box.Modes(), NeedsCode: h.Box.NeedsCode()}
	for name, fields := range box.Providers {
		d.Providers = append(d.Providers, provider{Name: name, Fields: fields})
	}
	sort.Slice(d.Providers, func(i, j int) bool { return d.Providers[i].Name < d.Providers[j].Name })
	return render(c, http.StatusOK, "setup.html", d)
}

// toInstance redirects to the household's first instance, or says there
// is no setup here.
func (h *Handler) toInstance(c *gin.Context) error {
	hh, ok := h.Box.Household()
	if !ok {
		return httperr.NotFound("the box setup is closed")
	}
	inst, err := h.Instances.Get(hh.Instance)
	if err != nil {
		return httperr.NotFound("the box setup is closed")
	}
	c.Redirect(http.StatusSeeOther, inst.URL())
	return nil
}

func render(c *gin.Context, status int, name string, d any) error {
	c.Header("Cache-Control", "no-store")
	pages.SecurityHeaders(c)
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	return templates.ExecuteTemplate(c.Writer, name, d)
}

// setupBody is the setup API's request.
type setupBody struct {
	Code      string `json:"code"`
	Household string `json:"household"`
	Member    string `json:"member"`
	Email     string `json:"email"`
	Locale    string `json:"locale"`
	TZ        string `json:"tz"`
	HTTPS     struct {
		Mode        string            `json:"mode"`
		Domain      string            `json:"domain"`
		Provider    string            `json:"provider"`
		Credentials map[string]string `json:"credentials"`
	} `json:"https"`
}

// setupAnswer is the setup API's answer: where the member goes next.
type setupAnswer struct {
	Household    string     `json:"household"`
	Instance     string     `json:"instance"`     // the instance's URL
	Registration string     `json:"registration"` // its onboarding page, where the passphrase is chosen
	HTTPS        box.Status `json:"https"`
	Mode         string     `json:"mode"`
}

// setup is POST /box/setup (JSON only: a cross-site form cannot send it
// without a preflight, which is never allowed).
func (h *Handler) setup(c *gin.Context) error {
	if !h.Box.IsBoxHost(c.Request.Host) {
		return httperr.NotFound("the box setup is served on " + h.Box.Name() + ".local")
	}
	if !h.Box.SetupOpen() {
		return httperr.Conflict(box.ErrClosed.Error())
	}
	if c.ContentType() != "application/json" {
		return httperr.New(http.StatusUnsupportedMediaType, "the setup takes a JSON body")
	}
	var b setupBody
	if err := request.JSON(c, request.SmallBody, &b); err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(c.Request.Host)
	res, err := h.Box.Setup(c.Request.Context(), box.Request{Code: b.Code, Household: b.Household, Member: b.Member,
		Email: b.Email, Locale: b.Locale, TZ: b.TZ, Port: port,
		HTTPS: box.Choice{Mode: b.HTTPS.Mode, Domain: b.HTTPS.Domain, Provider: b.HTTPS.Provider, Credentials: b.HTTPS.Credentials}})
	if err != nil {
		return err
	}
	return jsonNoStore(c, http.StatusCreated, setupAnswer{Household: res.Household.Name, Instance: res.Instance.URL(),
		Registration: auth.RegistrationURL(res.Instance), HTTPS: h.Box.HTTPS(), Mode: res.Household.HTTPS.Mode})
}

// progressAnswer is GET /box/https: the certificates' progress, without
// secrets.
type progressAnswer struct {
	Setup       bool      `json:"setup"` // the box is set up
	Mode        string    `json:"mode,omitempty"`
	State       string    `json:"state"`
	Names       []string  `json:"names,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
	NextRenewal time.Time `json:"next_renewal,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	CA          bool      `json:"ca"` // a box CA root is offered at /box/ca
}

func (h *Handler) progress(c *gin.Context) error {
	st := h.Box.HTTPS()
	hh, ok := h.Box.Household()
	return jsonNoStore(c, http.StatusOK, progressAnswer{Setup: ok, Mode: hh.HTTPS.Mode, State: st.State, Names: slices.Clone(st.Names),
		Expiry: st.Expiry, NextRenewal: st.NextRenewal, LastError: st.LastError, CA: len(st.RootCA) > 0})
}

func jsonNoStore(c *gin.Context, status int, v any) error {
	c.Header("Cache-Control", "no-store")
	c.JSON(status, v)
	return nil
}
