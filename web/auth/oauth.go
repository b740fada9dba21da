package auth

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// handleOAuth adapts a handler of the OAuth protocol endpoints (token,
// dynamic client registration): their errors are RFC 6749's
// {"error": "invalid_grant", "error_description": "..."}, not JSON:API.
func handleOAuth(f httperr.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			oauthError(c, err)
		}
	}
}

// oauthError writes err in RFC 6749's shape: 401 for a client or token
// that does not authenticate, 400 for the other protocol errors, and the
// table's status (no detail) for what is not a protocol error.
func oauthError(c *gin.Context, err error) {
	c.Header("Cache-Control", "no-store")
	code := oauth.Code(err)
	status := http.StatusBadRequest
	switch code {
	case "invalid_client", "invalid_token":
		status = http.StatusUnauthorized
	case "server_error":
		if status = httperr.Status(err); status < 500 {
			c.AbortWithStatusJSON(status, gin.H{"error": "invalid_request", "error_description": httperr.Message(err)})
			return
		}
		_ = c.Error(err)
		c.AbortWithStatusJSON(status, gin.H{"error": code})
		return
	}
	if httperr.Status(err) == http.StatusRequestEntityTooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	c.AbortWithStatusJSON(status, gin.H{"error": code, "error_description": err.Error()})
}

// readMetadata reads a client's metadata (RFC 7591).
func readMetadata(c *gin.Context) (oauth.Metadata, error) {
	var m oauth.Metadata
	if err := request.JSON(c, request.SmallBody, &m); err != nil {
		return m, fmt.Errorf("%w: %w", oauth.ErrInvalidClientMeta, err)
	}
	return m, nil
}

func (h *Handler) register(c *gin.Context) error {
	m, err := readMetadata(c)
	if err != nil {
		return err
	}
	cl, err := h.OAuth.Register(c.Request.Context(), middleware.GetInstance(c), m, false)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, cl)
	return nil
}

// registeredClient checks the registration token of the request for the
// client in the path.
func (h *Handler) registeredClient(c *gin.Context) (*oauth.Client, error) {
	inst := middleware.GetInstance(c)
	id := c.Param("client_id")
	if err := h.OAuth.CheckRegistrationToken(inst, id, middleware.TokenFromRequest(c.Request)); err != nil {
		return nil, err
	}
	return h.OAuth.Get(c.Request.Context(), inst, id)
}

func (h *Handler) readClient(c *gin.Context) error {
	cl, err := h.registeredClient(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, cl)
	return nil
}

func (h *Handler) updateClient(c *gin.Context) error {
	cl, err := h.registeredClient(c)
	if err != nil {
		return err
	}
	m, err := readMetadata(c)
	if err != nil {
		return err
	}
	up, err := h.OAuth.Update(c.Request.Context(), middleware.GetInstance(c), cl.ID, m)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, up)
	return nil
}

// deleteClient is idempotent: a client already gone is 204 too.
func (h *Handler) deleteClient(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	id := c.Param("client_id")
	if err := h.OAuth.CheckRegistrationToken(inst, id, middleware.TokenFromRequest(c.Request)); err != nil {
		return err
	}
	if err := h.OAuth.Delete(c.Request.Context(), inst, id); err != nil && oauth.Code(err) != "invalid_client" {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func authorizeRequest(get func(string) string) oauth.AuthorizeRequest {
	return oauth.AuthorizeRequest{ClientID: get("client_id"), RedirectURI: get("redirect_uri"), State: get("state"),
		Scope: get("scope"), CodeChallenge: get("code_challenge"), CodeChallengeMethod: get("code_challenge_method")}
}

// authorizeForm shows the consent page to the logged-in owner.
func (h *Handler) authorizeForm(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if done, err := h.ExchangeSessionCode(c, inst); done || err != nil {
		return err
	}
	req := authorizeRequest(c.Query)
	if c.Query("response_type") != "code" {
		h.authorizeError(c, "response_type must be code")
		return nil
	}
	cl, rules, err := h.OAuth.CheckAuthorize(c.Request.Context(), inst, req)
	if err != nil {
		h.authorizeError(c, err.Error())
		return nil
	}
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		back := inst.PageURL(c.Request.URL.RequestURI())
		c.Redirect(http.StatusSeeOther, inst.PageURL("/auth/login?"+url.Values{"redirect": {back}}.Encode()))
		return nil
	}
	pages.Render(c, http.StatusOK, "authorize", inst.Locale, pages.Data{Title: "Cozy", Scopes: describe(rules), Fields: map[string]string{
		"client_name": cl.ClientName, "client_id": cl.ID, "redirect_uri": req.RedirectURI, "state": req.State,
		"scope": req.Scope, "code_challenge": req.CodeChallenge, "code_challenge_method": req.CodeChallengeMethod,
		"csrf": csrf(c, inst)}})
	return nil
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
func (h *Handler) authorize(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	request.Limit(c, request.SmallBody)
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		h.authorizeError(c, "you are not logged in")
		return nil
	}
	if !checkCSRF(c, inst) {
		pages.Render(c, http.StatusForbidden, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_csrf"})
		return nil
	}
	req := authorizeRequest(c.PostForm)
	if _, _, err := h.OAuth.CheckAuthorize(c.Request.Context(), inst, req); err != nil {
		h.authorizeError(c, err.Error())
		return nil
	}
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		h.authorizeError(c, "bad redirect_uri")
		return nil
	}
	code, err := h.OAuth.CreateCode(c.Request.Context(), inst, req)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("code", code)
	q.Set("state", req.State)
	q.Set("client_id", req.ClientID)
	u.RawQuery = q.Encode()
	c.Redirect(http.StatusFound, u.String())
	return nil
}

// accessToken is the token endpoint: authorization_code and refresh_token
// grants, client credentials in the body or HTTP Basic.
func (h *Handler) accessToken(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	request.Limit(c, request.SmallBody)
	if err := c.Request.ParseForm(); err != nil {
		return fmt.Errorf("%w: %w", oauth.ErrInvalidRequest, request.Err(err))
	}
	id, secret, ok := c.Request.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = c.PostForm("client_id"), c.PostForm("client_secret")
	}
	var tok *oauth.Tokens
	var err error
	ctx := c.Request.Context()
	switch c.PostForm("grant_type") {
	case "authorization_code":
		tok, err = h.OAuth.Exchange(ctx, inst, id, secret, c.PostForm("code"), c.PostForm("code_verifier"), c.PostForm("redirect_uri"))
	case "refresh_token":
		tok, err = h.OAuth.Refresh(ctx, inst, id, secret, c.PostForm("refresh_token"))
	default:
		err = oauth.ErrUnsupportedGrantType
	}
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tok)
	return nil
}
