package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/cozypi/cozy/web/httperr"
)

// boxAnswer is GET /box: the household box's setup and the state of its
// certificates (names, expiry, next renewal, last error), for
// `cozy status`.
type boxAnswer struct {
	Name      string `json:"name"`
	SetupOpen bool   `json:"setup_open"`
	Household string `json:"household,omitempty"`
	Mode      string `json:"https_mode,omitempty"`
	HTTPS     any    `json:"https"`
}

func (h *Handler) registerBox(r gin.IRouter) {
	r.GET("/box", httperr.Handle(h.box))
}

// box answers the box's state; 404 when the server is not a box.
func (h *Handler) box(c *gin.Context) error {
	if h.Box == nil {
		return httperr.NotFound("this server is not a household box (box.enabled is off)")
	}
	a := boxAnswer{Name: h.Box.Name(), SetupOpen: h.Box.SetupOpen(), HTTPS: h.Box.HTTPS()}
	if hh, ok := h.Box.Household(); ok {
		a.Household, a.Mode = hh.Name, hh.HTTPS.Mode
	}
	c.JSON(http.StatusOK, a)
	return nil
}
