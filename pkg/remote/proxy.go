package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// Config configures a Proxy.
type Config struct {
	// Registry gives the definitions (required).
	Registry *Registry
	// Client sends the requests (default NewClient(ClientConfig{})).
	Client *Client
	// Secrets resolves {{secret_*}} variables (default: no secrets).
	Secrets SecretStore
	// Logger stores the io.cozy.remote.requests records (required).
	Logger Logger
	// Assets maps an asset name to the URL GET /remote/assets/:name serves,
	// from the configuration (remote_assets).
	Assets map[string]string
	// UserAgent is sent when a definition sets none (default
	// "cozy-stack <Version> (<Go version>)").
	UserAgent string
	// Version goes into the default User-Agent (default "dev").
	Version string
	// Now gives the record times (default time.Now).
	Now func() time.Time
	// Slog receives diagnostics (default slog.Default()).
	Slog *slog.Logger
}

// Proxy performs remote doctype calls: definition lookup, rendering, secret
// injection, the SSRF-safe request, the content-type filter and the request
// record. It does not check permissions: the caller must first verify that
// the app's manifest declares the remote doctype. A Proxy is safe for
// concurrent use.
type Proxy struct {
	reg     *Registry
	client  *Client
	secrets SecretStore
	logger  Logger
	assets  map[string]*url.URL
	ua      string
	now     func() time.Time
	slog    *slog.Logger
}

// Call is one request from an app.
type Call struct {
	// Doctype is the remote doctype.
	Doctype string
	// Method is the verb the app used; it must match the definition.
	Method string
	// Params are the variables: the query string for GET, the JSON body
	// (string values) for POST. Extra ones are logged, not sent.
	Params map[string]string
	// AppSlug identifies the calling app in the record.
	AppSlug string
}

// Response is the remote answer to stream back to the app. The caller must
// close Body. Reading Body fails with ErrResponseTooLarge past the size cap
// (abort the client connection then) or ErrTimeout past the time limit.
type Response struct {
	// Status is the remote status code, passed through.
	Status int
	// ContentType is the remote content-type (already filtered).
	ContentType string
	// ContentLength is the announced length, or -1.
	ContentLength int64
	// Body is the response body.
	Body io.ReadCloser
}

// New checks cfg and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	if cfg.Registry == nil {
		return nil, errors.New("remote: Config.Registry is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("remote: Config.Logger is required")
	}
	p := &Proxy{
		reg:     cfg.Registry,
		client:  cfg.Client,
		secrets: cfg.Secrets,
		logger:  cfg.Logger,
		assets:  make(map[string]*url.URL, len(cfg.Assets)),
		ua:      cfg.UserAgent,
		now:     cfg.Now,
		slog:    cfg.Slog,
	}
	if p.client == nil {
		p.client = NewClient(ClientConfig{})
	}
	if p.secrets == nil {
		p.secrets = StaticSecrets(nil)
	}
	if p.ua == "" {
		v := cfg.Version
		if v == "" {
			v = "dev"
		}
		p.ua = "cozy-stack " + v + " (" + runtime.Version() + ")"
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.slog == nil {
		p.slog = slog.Default()
	}
	for name, raw := range cfg.Assets {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("remote: asset %q: URL %q must be absolute http(s)", name, raw)
		}
		p.assets[name] = u
	}
	return p, nil
}

// Doctypes lists the known remote doctypes (for GET /remote/_all_doctypes).
func (p *Proxy) Doctypes() ([]string, error) { return p.reg.Doctypes() }

// Do performs call and records it, refused calls included. Errors wrap the
// package sentinels; use HTTPStatus and PublicMessage to answer the app.
func (p *Proxy) Do(ctx context.Context, call Call) (*Response, error) {
	rec := RequestLog{
		Doctype:   call.Doctype,
		Verb:      call.Method,
		Variables: maps.Clone(call.Params),
		App:       call.AppSlug,
		CreatedAt: p.now().UTC(),
	}
	if rec.Variables == nil {
		rec.Variables = map[string]string{}
	}
	resp, err := p.do(ctx, call, &rec)
	if err != nil {
		rec.Error = err.Error()
		p.slog.WarnContext(ctx, "remote request refused or failed",
			"doctype", call.Doctype, "app", call.AppSlug, "url", rec.URL, "error", err)
	}
	if lerr := p.logger.Log(ctx, rec); lerr != nil {
		p.slog.ErrorContext(ctx, "remote request not logged", "doctype", call.Doctype, "error", lerr)
		if resp != nil {
			resp.Body.Close()
		}
		if err != nil {
			return nil, errors.Join(err, fmt.Errorf("%w: %w", ErrLogFailed, lerr))
		}
		return nil, fmt.Errorf("%w: %w", ErrLogFailed, lerr)
	}
	return resp, err
}

func (p *Proxy) do(ctx context.Context, call Call, rec *RequestLog) (*Response, error) {
	def, err := p.reg.Definition(call.Doctype)
	if err != nil {
		return nil, err
	}
	rec.URL = def.RawURL
	if call.Method != def.Verb {
		return nil, fmt.Errorf("%w: %s used, %s defined", ErrMethodMismatch, call.Method, def.Verb)
	}
	secrets := make(map[string]string)
	for _, key := range def.SecretNames() {
		v, err := p.secrets.Get(ctx, def.Doctype, key)
		if errors.Is(err, ErrSecretNotFound) {
			continue // reported as a missing variable by Render
		}
		if err != nil {
			return nil, fmt.Errorf("remote: secret %s%s: %w", SecretPrefix, key, err)
		}
		secrets[key] = v
	}
	r, err := Render(def, call.Params, secrets)
	if err != nil {
		return nil, err
	}
	rec.URL = r.LogURL
	req, err := r.NewRequest(ctx)
	if err != nil {
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", p.ua)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	rec.ResponseCode = resp.StatusCode
	ct := resp.Header.Get("Content-Type")
	rec.ContentType = ct
	if err := CheckContentType(ct); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return &Response{Status: resp.StatusCode, ContentType: ct, ContentLength: resp.ContentLength, Body: resp.Body}, nil
}

// Asset fetches the configured asset name through the same SSRF-safe client
// (for GET /remote/assets/:name). Assets are chosen by the operator, so the
// content-type is not filtered and no request record is written. Unknown
// names give an error wrapping ErrAssetNotFound.
func (p *Proxy) Asset(ctx context.Context, name string) (*Response, error) {
	u, ok := p.assets[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrAssetNotFound, abbreviate(strings.TrimSpace(name)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("remote: asset %s: %w", name, err)
	}
	req.Header.Set("User-Agent", p.ua)
	resp, err := p.client.Do(req)
	if err != nil {
		p.slog.WarnContext(ctx, "remote asset failed", "asset", name, "error", err)
		return nil, err
	}
	return &Response{
		Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		ContentLength: resp.ContentLength, Body: resp.Body,
	}, nil
}
