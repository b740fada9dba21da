package setup

import (
	"net"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// Gate is the box's first middleware on the public router:
//   - once HTTPS is ready, a plain HTTP request is redirected (308) to the
//     same URL over https, except what must stay on HTTP (exempt);
//   - while the setup is open, a request to the box's own names outside
//     the box's routes goes to the setup page (303 for GET and HEAD, 404
//     otherwise);
//   - once set up, the root of the box's LAN addresses sends to the
//     household's instance.
func (h *Handler) Gate() gin.HandlerFunc {
	return func(c *gin.Context) {
		path := c.Request.URL.Path
		if !exempt(path) && !secureRequest(c) && h.Box.Secure() {
			c.Redirect(http.StatusPermanentRedirect, "https://"+httpsHost(c.Request.Host)+c.Request.URL.RequestURI())
			c.Abort()
			return
		}
		if exempt(path) || strings.HasPrefix(path, "/auth/assets/") || !h.Box.IsBoxHost(c.Request.Host) {
			return
		}
		if h.Box.SetupOpen() {
			if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
				c.Redirect(http.StatusSeeOther, Prefix+"/setup")
				c.Abort()
				return
			}
			httperr.Render(c, httperr.NotFound("this box is not set up yet: see "+Prefix+"/setup"))
			return
		}
		if _, err := h.Instances.Get(c.Request.Host); err != nil && path == "/" {
			httperr.Handle(h.toInstance)(c)
			c.Abort()
		}
	}
}

// exempt are the paths served on plain HTTP even once HTTPS is ready: the
// probes, and the box's pages (the CA root a device needs before it can
// trust HTTPS, the progress the setup page polls).
func exempt(path string) bool {
	return path == "/status" || path == "/version" || path == Prefix || strings.HasPrefix(path, Prefix+"/")
}

// secureRequest tells whether the request came over TLS, to this server
// or to the proxy in front of it (X-Forwarded-Proto; a client forging it
// only avoids its own redirection).
func secureRequest(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// httpsHost is host without the default HTTP port (HTTPS listens on 443).
func httpsHost(host string) string {
	if h, p, err := net.SplitHostPort(host); err == nil && p == "80" {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return host
}
