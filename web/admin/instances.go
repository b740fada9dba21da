package admin

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// Attributes is the public view of an instance: never its secrets.
type Attributes struct {
	Domain             string `json:"domain"`
	Prefix             string `json:"prefix"`
	Locale             string `json:"locale"`
	TZ                 string `json:"tz,omitempty"`
	Email              string `json:"email,omitempty"`
	PublicName         string `json:"public_name,omitempty"`
	ContextName        string `json:"context"`
	DiskQuota          int64  `json:"disk_quota,omitempty"`
	OnboardingFinished bool   `json:"onboarding_finished"`
	Blocked            bool   `json:"blocked,omitempty"`
	BlockingReason     string `json:"blocking_reason,omitempty"`
	IndexesVersion     int    `json:"indexes_version"`
	PassphraseSet      bool   `json:"passphrase_set"`
	// RegisterToken is hex, present until onboarding sets a passphrase.
	RegisterToken string `json:"register_token,omitempty"`
}

func resource(inst *instance.Instance) gin.H {
	attrs := Attributes{
		Domain: inst.Domain, Prefix: inst.Prefix, Locale: inst.Locale, TZ: inst.TZ, Email: inst.Email,
		PublicName: inst.PublicName, ContextName: inst.ContextName, DiskQuota: inst.DiskQuota,
		OnboardingFinished: inst.OnboardingFinished, Blocked: inst.Blocked, BlockingReason: inst.BlockingReason,
		IndexesVersion: inst.IndexesVersion, PassphraseSet: inst.PassphraseHash != "",
	}
	if len(inst.RegisterToken) > 0 {
		attrs.RegisterToken = hex.EncodeToString(inst.RegisterToken)
	}
	return gin.H{
		"type": "instances", "id": inst.ID, "attributes": attrs,
		"meta":  gin.H{"rev": inst.Rev()},
		"links": gin.H{"self": "/instances/" + inst.ID},
	}
}

func (h *Handler) list(c *gin.Context) {
	all := h.Instances.List()
	data := make([]gin.H, len(all))
	for i, inst := range all {
		data[i] = resource(inst)
	}
	c.JSON(http.StatusOK, gin.H{"data": data, "meta": gin.H{"count": len(all)}})
}

func (h *Handler) count(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"count": len(h.Instances.List())})
}

func (h *Handler) show(c *gin.Context) {
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": resource(inst)})
}

// parseQuota reads a disk quota: a byte count, or a size such as "5GB".
func parseQuota(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: disk quota %q", instance.ErrInvalid, s)
	}
	return int64(n * float64(mult)), nil
}

func (h *Handler) create(c *gin.Context) {
	q := c.Request.URL.Query()
	opts := instance.Options{
		Domain: q.Get("Domain"), Locale: q.Get("Locale"), TZ: q.Get("TZ"), Email: q.Get("Email"),
		PublicName: q.Get("PublicName"), ContextName: q.Get("ContextName"), Passphrase: q.Get("Passphrase"),
	}
	if opts.Domain == "" {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "missing Domain"))
		return
	}
	if v := q.Get("DiskQuota"); v != "" {
		n, err := parseQuota(v)
		if err != nil {
			httperr.JSONAPI(c, err)
			return
		}
		opts.DiskQuota = n
	}
	if v := q.Get("KdfIterations"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			httperr.JSONAPI(c, httperr.New(http.StatusUnprocessableEntity, "KdfIterations must be at least 1000"))
			return
		}
		opts.KdfIterations = n
	}
	inst, err := h.Instances.Create(c.Request.Context(), opts)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": resource(inst)})
}

func (h *Handler) modify(c *gin.Context) {
	q := c.Request.URL.Query()
	var quota *int64
	if v := q.Get("DiskQuota"); v != "" {
		n, err := parseQuota(v)
		if err != nil {
			httperr.JSONAPI(c, err)
			return
		}
		quota = &n
	}
	ctx := c.Request.Context()
	inst, err := h.Instances.Update(ctx, c.Param("domain"), func(i *instance.Instance) error {
		set := func(key string, field *string) {
			if q.Has(key) {
				*field = q.Get(key)
			}
		}
		set("Locale", &i.Locale)
		set("TZ", &i.TZ)
		set("Email", &i.Email)
		set("PublicName", &i.PublicName)
		set("ContextName", &i.ContextName)
		set("BlockingReason", &i.BlockingReason)
		if quota != nil {
			i.DiskQuota = *quota
		}
		for key, field := range map[string]*bool{"Blocked": &i.Blocked, "OnboardingFinished": &i.OnboardingFinished} {
			if q.Has(key) {
				b, err := strconv.ParseBool(q.Get(key))
				if err != nil {
					return fmt.Errorf("%w: %s must be true or false", instance.ErrInvalid, key)
				}
				*field = b
			}
		}
		return nil
	})
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if p := q.Get("Passphrase"); p != "" {
		if inst, err = h.Instances.SetPassphrase(ctx, inst.Domain, p); err != nil {
			httperr.JSONAPI(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"data": resource(inst)})
}

func (h *Handler) destroy(c *gin.Context) {
	if err := h.Instances.Delete(c.Request.Context(), c.Param("domain")); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
