package middleware

import (
	"net"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

const (
	keyInstance = "cozy.instance"
	keyAppSlug  = "cozy.app_slug"
)

// Target is what a Host names: an instance, and an app of it when the Host
// is one of its app sub-domains.
type Target struct {
	Instance *instance.Instance
	AppSlug  string
}

// Lookup finds an instance by domain.
type Lookup interface {
	Get(domain string) (*instance.Instance, error)
}

// ResolveHost maps a Host header to its instance and app. For a flat
// sub-domain, "<name>-<slug>.<rest>" names the app <slug> of the instance
// "<name>.<rest>", and "<name>-<slug>:port" the app of the dotless
// instance "<name>:port" (localhost:8080 serves its apps on
// localhost-<slug>:8080, as Instance.AppHost names them); for nested,
// "<slug>.<domain>" names the app <slug> of "<domain>". The instance
// itself is tried first.
func ResolveHost(instances Lookup, mode, host string) (Target, bool) {
	host = strings.ToLower(host)
	if inst, err := instances.Get(host); err == nil {
		return Target{Instance: inst}, true
	}
	if mode == config.SubdomainsNested {
		first, rest, ok := strings.Cut(host, ".")
		if !ok || first == "" || rest == "" {
			return Target{}, false
		}
		if inst, err := instances.Get(rest); err == nil {
			return Target{Instance: inst, AppSlug: first}, true
		}
		return Target{}, false
	}
	name, port := host, ""
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, ":"+p
	}
	first, rest, dotted := strings.Cut(name, ".")
	if first == "" || (dotted && rest == "") {
		return Target{}, false
	}
	// Flat: the instance name may itself hold '-', so try every split.
	for i := len(first) - 1; i > 0; i-- {
		if first[i] != '-' || i == len(first)-1 {
			continue
		}
		domain := first[:i]
		if dotted {
			domain += "." + rest
		}
		if inst, err := instances.Get(domain + port); err == nil {
			return Target{Instance: inst, AppSlug: first[i+1:]}, true
		}
	}
	return Target{}, false
}

// Instance resolves the Host of every request to an instance, answering
// 404 with a JSON error for a host that names none.
func Instance(instances Lookup, mode string) gin.HandlerFunc {
	return func(c *gin.Context) {
		t, ok := ResolveHost(instances, mode, c.Request.Host)
		if !ok {
			httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "No instance for host "+sanitizeHost(c.Request.Host)))
			return
		}
		c.Set(keyInstance, t.Instance)
		if t.AppSlug != "" {
			c.Set(keyAppSlug, t.AppSlug)
		}
		c.Next()
	}
}

// sanitizeHost keeps a Host header printable in an error message.
func sanitizeHost(h string) string {
	if len(h) > 255 {
		h = h[:255]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, h)
}

// GetInstance returns the request's instance; only valid after Instance.
func GetInstance(c *gin.Context) *instance.Instance {
	v, _ := c.Get(keyInstance)
	inst, _ := v.(*instance.Instance)
	return inst
}

// AppSlug returns the app whose sub-domain the request came to, or "".
func AppSlug(c *gin.Context) string { return c.GetString(keyAppSlug) }
