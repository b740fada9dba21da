package permissions

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// maxCodes bounds the codes of one share.
const maxCodes = 64

// tinyTTL is the longest life of a share that may get 6-digit shortcodes.
const tinyTTL = time.Hour

// attributes is what clients send in data.attributes.
type attributes struct {
	SourceID    string                     `json:"source_id"`
	Password    *string                    `json:"password"`
	ExpiresAt   *string                    `json:"expires_at"`
	Codes       map[string]string          `json:"codes"`
	Permissions map[string]json.RawMessage `json:"permissions"`
}

// readAttributes decodes a JSON:API body {"data": {"attributes": ...}}.
func readAttributes(c *gin.Context) (*attributes, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxBody+1))
	if err != nil {
		return nil, httperr.Wrap(http.StatusBadRequest, fmt.Errorf("read body: %w", err))
	}
	if len(body) > maxBody {
		return nil, httperr.New(http.StatusRequestEntityTooLarge, "body too large")
	}
	var doc struct {
		Data *struct {
			Attributes *attributes `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, httperr.New(http.StatusBadRequest, "body is not a JSON:API document: "+err.Error())
	}
	if doc.Data == nil || doc.Data.Attributes == nil {
		return nil, httperr.New(http.StatusBadRequest, "missing data.attributes")
	}
	a := doc.Data.Attributes
	if a.Password != nil && *a.Password != "" {
		return nil, httperr.New(http.StatusBadRequest, "password-protected links are not supported")
	}
	return a, nil
}

// parseRules turns data.attributes.permissions into rules; a key with an
// empty object ({}) is returned in removed (PATCH removes that rule).
func parseRules(raw map[string]json.RawMessage) (add permission.Set, removed []string, err error) {
	for title, msg := range raw {
		if strings.TrimSpace(string(msg)) == "{}" {
			removed = append(removed, title)
			continue
		}
		var one permission.Set
		wrapped, _ := json.Marshal(map[string]json.RawMessage{title: msg})
		if err := json.Unmarshal(wrapped, &one); err != nil {
			return nil, nil, httperr.Wrap(http.StatusBadRequest, err)
		}
		add = append(add, one...)
	}
	return add, removed, nil
}

func (h *Handler) create(c *gin.Context) {
	cur, inst, ok := h.current(c)
	if !ok {
		return
	}
	if permstore.IsShare(cur.Type) {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "a share token cannot create shares"))
		return
	}
	a, err := readAttributes(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	rules, removed, err := parseRules(a.Permissions)
	if err == nil && (len(rules) == 0 || len(removed) > 0) {
		err = httperr.New(http.StatusBadRequest, "a share needs at least one complete rule")
	}
	if err == nil {
		err = permstore.Covers(cur.Rules, rules)
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	p := &permission.Permission{Type: permission.TypeShareByLink, SourceID: sourceOf(cur, a.SourceID), Rules: rules}
	var ttl time.Duration
	if raw := c.Query("ttl"); raw != "" {
		if ttl, err = ParseTTL(raw); err != nil {
			httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
			return
		}
		exp := time.Now().Add(ttl).UTC().Truncate(time.Second)
		p.ExpiresAt = &exp
	}
	if a.ExpiresAt != nil && *a.ExpiresAt != "" {
		exp, err := time.Parse(time.RFC3339, *a.ExpiresAt)
		if err != nil {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "expires_at is not an RFC 3339 date"))
			return
		}
		p.ExpiresAt = &exp
	}
	tiny := c.Query("tinycode") == "true"
	if tiny && (ttl <= 0 || ttl > tinyTTL) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "tinycode needs a ttl of at most 1h"))
		return
	}
	if err := issueCodes(inst, p, c.Query("codes"), tiny); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := h.Perms.Put(c, inst, p); err != nil {
		httperr.JSONAPI(c, storeError(err))
		return
	}
	render(c, http.StatusOK, gin.H{"data": object(p, true)})
}

// sourceOf names who created a share: the token's own source; a CLI token
// (the owner) may name one.
func sourceOf(cur *permission.Permission, asked string) string {
	if cur.Type == permission.TypeCLI {
		return asked
	}
	return cur.SourceID
}

// issueCodes makes one share token and one shortcode per comma-separated
// name of list.
func issueCodes(inst *instance.Instance, p *permission.Permission, list string, tiny bool) error {
	if list == "" {
		return nil
	}
	names := strings.Split(list, ",")
	if len(names) > maxCodes {
		return httperr.New(http.StatusBadRequest, fmt.Sprintf("at most %d codes", maxCodes))
	}
	p.Codes, p.ShortCodes = map[string]string{}, map[string]string{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			return httperr.New(http.StatusBadRequest, "empty code name")
		}
		// The code's life is the permission's: expires_at may be patched.
		code, err := inst.IssueClaims(token.Claims{Audience: token.Share, Subject: name})
		if err != nil {
			return fmt.Errorf("permissions: issue code: %w", err)
		}
		p.Codes[name] = code
		p.ShortCodes[name] = shortcode(tiny)
	}
	return nil
}

const shortAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// shortcode is 12 random letters and digits, or 6 digits when tiny.
func shortcode(tiny bool) string {
	alphabet, n := shortAlphabet, 12
	if tiny {
		alphabet, n = "0123456789", 6
	}
	out := make([]byte, n)
	for i := range out {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		out[i] = alphabet[k.Int64()]
	}
	return string(out)
}

// storeError maps permstore errors to statuses.
func storeError(err error) error {
	switch {
	case errors.Is(err, permstore.ErrNotFound):
		return httperr.Wrap(http.StatusNotFound, err)
	case errors.Is(err, permstore.ErrInvalid):
		return httperr.Wrap(http.StatusBadRequest, err)
	case errors.Is(err, store.ErrConflict):
		return httperr.Wrap(http.StatusConflict, err)
	}
	return err
}
