package remote

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SecretPrefix marks variables resolved from the secret store:
// {{secret_token}} takes the "token" field of the doctype's secrets.
const SecretPrefix = "secret_"

// Redacted replaces secret values in everything meant for logs.
const Redacted = "REDACTED"

// Rendered is a definition with its variables injected: everything needed to
// build the outgoing HTTP request.
type Rendered struct {
	// Method is the definition's verb.
	Method string
	// URL is the outgoing URL, secrets included.
	URL *url.URL
	// Header holds the definition's headers, rendered. User-Agent is only
	// present when the definition sets it.
	Header http.Header
	// Body is the rendered body (nil without a body template).
	Body []byte
	// LogURL is the URL with every secret value replaced by Redacted.
	LogURL string
}

// Render injects variables into def. params are the caller's values; names
// starting with SecretPrefix are never taken from params. secrets maps a
// secret key ("token" for {{secret_token}}) to its value. A variable without
// value gives a *MissingVariableError; a value that cannot be injected safely
// (control characters in a header) gives an error wrapping ErrInvalidVariable.
// Parameters that no variable uses are ignored.
func Render(def *Definition, params, secrets map[string]string) (*Rendered, error) {
	if def == nil {
		return nil, fmt.Errorf("%w: nil definition", ErrInvalidDefinition)
	}
	get := lookup(params, secrets, false)
	u, err := def.buildURL(get)
	if err != nil {
		return nil, err
	}
	logURL, err := def.buildURL(lookup(params, secrets, true))
	if err != nil {
		return nil, err
	}
	r := &Rendered{Method: def.Verb, URL: u, Header: make(http.Header), LogURL: logURL.String()}
	for _, h := range def.headers {
		v, err := h.value.render(get, escapeHeaderValue)
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", h.name, err)
		}
		r.Header.Add(h.name, v)
	}
	if len(def.body) > 0 {
		b, err := def.body.render(get, escapeBody)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		r.Body = []byte(b)
	}
	return r, nil
}

// lookup returns the variable resolver; with redact, secrets resolve to
// Redacted.
func lookup(params, secrets map[string]string, redact bool) func(string) (string, error) {
	return func(name string) (string, error) {
		if key, ok := strings.CutPrefix(name, SecretPrefix); ok {
			v, ok := secrets[key]
			if !ok {
				return "", &MissingVariableError{Name: name}
			}
			if redact {
				return Redacted, nil
			}
			return v, nil
		}
		v, ok := params[name]
		if !ok {
			return "", &MissingVariableError{Name: name}
		}
		return v, nil
	}
}

// NewRequest builds the outgoing *http.Request bound to ctx.
func (r *Rendered) NewRequest(ctx context.Context) (*http.Request, error) {
	var body *bytes.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, r.Method, r.URL.String(), body)
	} else {
		req, err = http.NewRequestWithContext(ctx, r.Method, r.URL.String(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("remote: build request: %w", err)
	}
	req.Header = r.Header.Clone()
	return req, nil
}
