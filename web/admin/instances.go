package admin

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
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

// resource is the JSON:API object of an instance.
func resource(inst *instance.Instance) jsonapi.Object {
	attrs := Attributes{
		Domain: inst.Domain, Prefix: inst.Prefix, Locale: inst.Locale, TZ: inst.TZ, Email: inst.Email,
		PublicName: inst.PublicName, ContextName: inst.ContextName, DiskQuota: inst.DiskQuota,
		OnboardingFinished: inst.OnboardingFinished, Blocked: inst.Blocked, BlockingReason: inst.BlockingReason,
		IndexesVersion: inst.IndexesVersion, PassphraseSet: inst.PassphraseHash != "",
	}
	if len(inst.RegisterToken) > 0 {
		attrs.RegisterToken = hex.EncodeToString(inst.RegisterToken)
	}
	return jsonapi.Object{Type: "instances", ID: inst.ID, Attributes: attrs,
		Links: map[string]any{"self": "/instances/" + inst.ID}}.WithRev(inst.Rev())
}

// list serves GET /instances.
func (h *Handler) list(c *gin.Context) error {
	all := h.Instances.List()
	data := make([]jsonapi.Object, len(all))
	for i, inst := range all {
		data[i] = resource(inst)
	}
	return jsonapi.List(c, http.StatusOK, data, len(all), "")
}

// count serves GET /instances/count.
func (h *Handler) count(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"count": len(h.Instances.List())})
	return nil
}

// show serves GET /instances/:domain.
func (h *Handler) show(c *gin.Context) error {
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, resource(inst))
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

// create serves POST /instances?Domain=&Locale=&...: a new instance.
func (h *Handler) create(c *gin.Context) error {
	opts, err := createOptions(c.Request.URL.Query())
	if err != nil {
		return err
	}
	var slugs []string
	for _, v := range c.QueryArray("Apps") {
		for _, slug := range strings.Split(v, ",") {
			if slug = strings.TrimSpace(slug); slug != "" {
				if !apps.ValidSlug(slug) {
					return httperr.New(http.StatusUnprocessableEntity, fmt.Sprintf("Apps: %q is not a slug", slug))
				}
				slugs = append(slugs, slug)
			}
		}
	}
	if len(slugs) > 0 && h.Apps == nil {
		return httperr.New(http.StatusNotImplemented, "apps are not enabled")
	}
	inst, err := h.Instances.Create(c.Request.Context(), opts)
	if err != nil {
		return err
	}
	if h.Apps != nil {
		// The configured default apps and the ones asked, from the
		// registries; the ones no registry served yet are retried in the
		// background, and the creation succeeds anyway.
		all := append(slices.Clone(h.Apps.DefaultApps), slugs...)
		pending, err := h.Apps.InstallDefaults(c.Request.Context(), inst, all)
		if err != nil {
			h.Log.ErrorContext(c.Request.Context(), "default apps", "domain", inst.Domain, "error", err)
		}
		if len(all) > 0 {
			o := resource(inst)
			o.Meta = map[string]any{"apps_pending": nonNil(pending)}
			return jsonapi.Data(c, http.StatusCreated, o)
		}
	}
	return jsonapi.Data(c, http.StatusCreated, resource(inst))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// createOptions reads the options of a new instance from the query.
func createOptions(q url.Values) (instance.Options, error) {
	opts := instance.Options{
		Domain: q.Get("Domain"), Locale: q.Get("Locale"), TZ: q.Get("TZ"), Email: q.Get("Email"),
		PublicName: q.Get("PublicName"), ContextName: q.Get("ContextName"), Passphrase: q.Get("Passphrase"),
	}
	if opts.Domain == "" {
		return opts, httperr.BadRequest("missing Domain")
	}
	if v := q.Get("DiskQuota"); v != "" {
		n, err := parseQuota(v)
		if err != nil {
			return opts, err
		}
		opts.DiskQuota = n
	}
	if v := q.Get("KdfIterations"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			return opts, httperr.New(http.StatusUnprocessableEntity, "KdfIterations must be at least 1000")
		}
		opts.KdfIterations = n
	}
	return opts, nil
}

// modify serves PATCH /instances/:domain?Locale=&Blocked=&...: the query
// parameters present are set.
func (h *Handler) modify(c *gin.Context) error {
	q := c.Request.URL.Query()
	var quota *int64
	if v := q.Get("DiskQuota"); v != "" {
		n, err := parseQuota(v)
		if err != nil {
			return err
		}
		quota = &n
	}
	ctx := c.Request.Context()
	inst, err := h.Instances.Update(ctx, c.Param("domain"), func(i *instance.Instance) error { return apply(q, quota, i) })
	if err != nil {
		return err
	}
	if p := q.Get("Passphrase"); p != "" {
		if inst, err = h.Instances.SetPassphrase(ctx, inst.Domain, p); err != nil {
			return err
		}
	}
	return jsonapi.Data(c, http.StatusOK, resource(inst))
}

// apply sets on i the settings q holds.
func apply(q url.Values, quota *int64, i *instance.Instance) error {
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
}

// destroy serves DELETE /instances/:domain.
func (h *Handler) destroy(c *gin.Context) error {
	if err := h.Instances.Delete(c.Request.Context(), c.Param("domain")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
