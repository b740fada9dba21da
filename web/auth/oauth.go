package auth

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// maxBody bounds the JSON bodies of these routes.
const maxBody = 64 << 10

// oauthError answers an RFC 6749 style error.
func oauthError(c *gin.Context, err error) {
	code := oauth.Code(err)
	status := http.StatusBadRequest
	switch code {
	case "invalid_client":
		status = http.StatusUnauthorized
	case "server_error":
		status = httperr.Status(err)
		if status < 500 {
			c.AbortWithStatusJSON(status, gin.H{"error": "invalid_request", "error_description": err.Error()})
			return
		}
		_ = c.Error(err)
		c.AbortWithStatusJSON(status, gin.H{"error": code})
		return
	}
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, gin.H{"error": code, "error_description": err.Error()})
}

func (h *Handler) register(c *gin.Context) {
	inst := middleware.GetInstance(c)
	var m oauth.Metadata
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	if err := c.ShouldBindJSON(&m); err != nil {
		oauthError(c, errors.Join(oauth.ErrInvalidClientMeta, err))
		return
	}
	cl, err := h.OAuth.Register(c, inst, m, false)
	if err != nil {
		oauthError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, cl)
}

// registeredClient checks the registration token of the request for the
// client in the path.
func (h *Handler) registeredClient(c *gin.Context) (*oauth.Client, bool) {
	inst := middleware.GetInstance(c)
	id := c.Param("client_id")
	if err := h.OAuth.CheckRegistrationToken(inst, id, middleware.TokenFromRequest(c.Request)); err != nil {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid_token"})
		return nil, false
	}
	cl, err := h.OAuth.Get(c, inst, id)
	if err != nil {
		oauthError(c, err)
		return nil, false
	}
	return cl, true
}

func (h *Handler) readClient(c *gin.Context) {
	if cl, ok := h.registeredClient(c); ok {
		c.JSON(http.StatusOK, cl)
	}
}

func (h *Handler) updateClient(c *gin.Context) {
	cl, ok := h.registeredClient(c)
	if !ok {
		return
	}
	var m oauth.Metadata
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	if err := c.ShouldBindJSON(&m); err != nil {
		oauthError(c, errors.Join(oauth.ErrInvalidClientMeta, err))
		return
	}
	up, err := h.OAuth.Update(c, middleware.GetInstance(c), cl.ID, m)
	if err != nil {
		oauthError(c, err)
		return
	}
	c.JSON(http.StatusOK, up)
}

func (h *Handler) deleteClient(c *gin.Context) {
	inst := middleware.GetInstance(c)
	id := c.Param("client_id")
	if err := h.OAuth.CheckRegistrationToken(inst, id, middleware.TokenFromRequest(c.Request)); err != nil {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid_token"})
		return
	}
	if err := h.OAuth.Delete(c, inst, id); err != nil && !errors.Is(err, oauth.ErrInvalidClient) {
		oauthError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func authorizeRequest(get func(string) string) oauth.AuthorizeRequest {
	return oauth.AuthorizeRequest{ClientID: get("client_id"), RedirectURI: get("redirect_uri"), State: get("state"),
		Scope: get("scope"), CodeChallenge: get("code_challenge"), CodeChallengeMethod: get("code_challenge_method")}
}

// authorizeForm shows the consent page to the logged-in owner.
func (h *Handler) authorizeForm(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if h.ExchangeSessionCode(c, inst) {
		return
	}
	req := authorizeRequest(c.Query)
	if c.Query("response_type") != "code" {
		h.authorizeError(c, "response_type must be code")
		return
	}
	cl, rules, err := h.OAuth.CheckAuthorize(c, inst, req)
	if err != nil {
		h.authorizeError(c, err.Error())
		return
	}
	if _, err := h.Sessions.FromRequest(c, inst, c.Request); err != nil {
		c.Redirect(http.StatusSeeOther, "/auth/login?redirect="+url.QueryEscape(c.Request.URL.RequestURI()))
		return
	}
	pages.Render(c, http.StatusOK, "authorize", inst.Locale, pages.Data{Title: "Cozy", Scopes: describe(rules), Fields: map[string]string{
		"client_name": cl.ClientName, "client_id": cl.ID, "redirect_uri": req.RedirectURI, "state": req.State,
		"scope": req.Scope, "code_challenge": req.CodeChallenge, "code_challenge_method": req.CodeChallengeMethod,
		"csrf": csrf(c, inst)}})
}

func describe(rules permission.Set) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.String()
	}
	return out
}

// authorizeError never redirects: the redirect URI is not trusted yet.
func (h *Handler) authorizeError(c *gin.Context, detail string) {
	inst := middleware.GetInstance(c)
	pages.Render(c, http.StatusBadRequest, "error", inst.Locale, pages.Data{Title: "Cozy", Fields: map[string]string{"detail": detail}})
}

// authorize is the consent form's submission: it redirects to the client
// with a single-use code.
func (h *Handler) authorize(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c, inst, c.Request); err != nil {
		h.authorizeError(c, "you are not logged in")
		return
	}
	if !checkCSRF(c, inst) {
		pages.Render(c, http.StatusForbidden, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_csrf"})
		return
	}
	req := authorizeRequest(c.PostForm)
	if _, _, err := h.OAuth.CheckAuthorize(c, inst, req); err != nil {
		h.authorizeError(c, err.Error())
		return
	}
	code, err := h.OAuth.CreateCode(c, inst, req)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		h.authorizeError(c, "bad redirect_uri")
		return
	}
	q := u.Query()
	q.Set("code", code)
	q.Set("state", req.State)
	q.Set("client_id", req.ClientID)
	u.RawQuery = q.Encode()
	c.Redirect(http.StatusFound, u.String())
}

// accessToken is the token endpoint: authorization_code and refresh_token
// grants, client credentials in the body or HTTP Basic.
func (h *Handler) accessToken(c *gin.Context) {
	inst := middleware.GetInstance(c)
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	id, secret, ok := c.Request.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = c.PostForm("client_id"), c.PostForm("client_secret")
	}
	var tok *oauth.Tokens
	var err error
	switch c.PostForm("grant_type") {
	case "authorization_code":
		tok, err = h.OAuth.Exchange(c, inst, id, secret, c.PostForm("code"), c.PostForm("code_verifier"), c.PostForm("redirect_uri"))
	case "refresh_token":
		tok, err = h.OAuth.Refresh(c, inst, id, secret, c.PostForm("refresh_token"))
	default:
		err = oauth.ErrUnsupportedGrantType
	}
	if err != nil {
		oauthError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tok)
}
