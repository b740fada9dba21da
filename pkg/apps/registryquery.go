package apps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ErrRegistryUnreachable is returned when no configured registry could be
// queried (502).
var ErrRegistryUnreachable = errors.New("no registry could be reached")

// maxRegistryAnswer bounds one proxied answer of a registry (an
// application list, an icon, a screenshot).
const maxRegistryAnswer = 16 << 20

// RegistryAnswer is a registry's answer to a query the stack proxies.
type RegistryAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

// QueryRegistries sends GET path?query (path is a path of the querying
// API of registry.md, "/registry/drive/icon") to the configured
// registries in order, through the guarded client, and returns the first
// answer that is not a 404; a 404 when every registry answered 404.
// Registries that cannot be reached are skipped; ErrRegistryUnreachable
// when none could.
//
// Limits: a list (GET /registry) is the first registry's list, not a merge
// of every registry's, so its cursors stay that registry's.
func (f *Fetcher) QueryRegistries(ctx context.Context, path string, query url.Values) (*RegistryAnswer, error) {
	if !strings.HasPrefix(path, "/registry") {
		return nil, fmt.Errorf("%w: not a registry path: %q", ErrBadSource, path)
	}
	if len(f.Registries) == 0 {
		return nil, fmt.Errorf("%w: no registry is configured", ErrRegistryUnreachable)
	}
	c, done, err := f.client()
	if err != nil {
		return nil, err
	}
	defer done()
	var notFound *RegistryAnswer
	var errs []error
	for _, base := range f.Registries {
		u := strings.TrimSuffix(base, "/") + path
		if len(query) > 0 {
			u += "?" + query.Encode()
		}
		a, err := queryOne(ctx, c, u)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if a.Status == http.StatusNotFound {
			notFound = a
			continue
		}
		return a, nil
	}
	if notFound != nil {
		return notFound, nil
	}
	return nil, fmt.Errorf("%w: %w", ErrRegistryUnreachable, errors.Join(errs...))
}

func queryOne(ctx context.Context, c *http.Client, u string) (*RegistryAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, image/*;q=0.9, */*;q=0.5")
	res, err := c.Do(req)
	if err != nil {
		return nil, reachErr("registry", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxRegistryAnswer+1))
	if err != nil {
		return nil, reachErr("registry", err)
	}
	if len(body) > maxRegistryAnswer {
		return nil, fmt.Errorf("registry answer larger than %d bytes", maxRegistryAnswer)
	}
	ct := res.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	return &RegistryAnswer{Status: res.StatusCode, ContentType: ct, Body: body}, nil
}
