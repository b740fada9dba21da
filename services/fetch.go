package services

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// maxResponseBytes caps one fetch response body.
const maxResponseBytes = 64 << 20

// maxRedirects is how many redirects fetch follows.
const maxRedirects = 10

// newFetchClient returns the HTTP client of fetch: no proxy, no cookies,
// and every redirect checked against the allowed origins.
func newFetchClient(origins originSet) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       30 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if _, err := origins.check(req.URL); err != nil {
				return fmt.Errorf("redirect refused: %w", err)
			}
			return nil
		},
	}
}

// fetchResult is what a Go fetch hands back to the loop.
type fetchResult struct {
	status     int
	statusText string
	url        string
	redirected bool
	headers    [][2]string
	body       []byte
}

// goFetch is the native half of fetch and of the http module: (url,
// method, [[name, value]...], body: string | ArrayBuffer | null, manual)
// -> Promise of a plain response object. With manual true, redirects are
// returned instead of followed, as Node's http does.
// It runs on the loop goroutine; the request runs on its own goroutine.
func (s *sandbox) goFetch(call goja.FunctionCall) goja.Value {
	vm := s.vm
	p, resolve, reject := vm.NewPromise()
	req, err := s.buildRequest(vm, call)
	if err != nil {
		_ = reject(vm.NewTypeError("fetch: " + err.Error()))
		return vm.ToValue(p)
	}
	client := s.client
	if call.Argument(4).ToBoolean() {
		client = s.manual
	}
	release := s.keepAlive()
	s.helpers.Go(func() {
		res, err := s.do(client, req)
		s.loop.RunOnLoop(func(vm *goja.Runtime) {
			release()
			if err != nil {
				_ = reject(vm.NewTypeError("fetch failed: " + err.Error()))
				return
			}
			headers := make([]any, len(res.headers))
			for i, h := range res.headers {
				headers[i] = []any{h[0], h[1]}
			}
			obj := vm.NewObject()
			_ = obj.Set("status", res.status)
			_ = obj.Set("statusText", res.statusText)
			_ = obj.Set("url", res.url)
			_ = obj.Set("redirected", res.redirected)
			_ = obj.Set("headers", headers)
			_ = obj.Set("body", vm.NewArrayBuffer(res.body))
			_ = resolve(obj)
		})
	})
	return vm.ToValue(p)
}

// buildRequest checks the arguments of goFetch and builds the request.
func (s *sandbox) buildRequest(vm *goja.Runtime, call goja.FunctionCall) (*http.Request, error) {
	raw := call.Argument(0).String()
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q", raw)
	}
	if !u.IsAbs() {
		if s.cozyURL == "" {
			return nil, fmt.Errorf("relative URL %q and no COZY_URL to resolve it against", raw)
		}
		base, err := url.Parse(s.cozyURL)
		if err != nil {
			return nil, fmt.Errorf("invalid COZY_URL: %w", err)
		}
		u = base.ResolveReference(u)
	}
	origin, err := s.origins.check(u)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(call.Argument(1).String())
	var body io.Reader
	if b := call.Argument(3); !goja.IsUndefined(b) && !goja.IsNull(b) {
		if data, ok := bytesOf(vm, b); ok {
			body = bytes.NewReader(bytes.Clone(data))
		} else {
			body = strings.NewReader(b.String())
		}
	}
	req, err := http.NewRequestWithContext(s.ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if h := call.Argument(2); !goja.IsUndefined(h) && !goja.IsNull(h) {
		var pairs [][]string
		if err := vm.ExportTo(h, &pairs); err != nil {
			return nil, errors.New("headers must be pairs of strings")
		}
		for _, pair := range pairs {
			if len(pair) != 2 {
				return nil, errors.New("headers must be pairs of strings")
			}
			req.Header.Add(pair[0], pair[1])
		}
	}
	if req.Header.Get("Authorization") == "" && s.cozyURL != "" {
		if cozy, err := originOf(s.cozyURL); err == nil && cozy == origin {
			if tok := s.spec.Env["COZY_CREDENTIALS"]; tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
		}
	}
	return req, nil
}

// do runs the request and reads the whole (capped) response.
func (s *sandbox) do(client *http.Client, req *http.Request) (*fetchResult, error) {
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	limit := int64(maxResponseBytes)
	if quarter := s.spec.MemoryBytes / 4; quarter > 0 && quarter < limit {
		limit = quarter
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("response body larger than %d bytes", limit)
	}
	res := &fetchResult{
		status:     resp.StatusCode,
		statusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))),
		url:        resp.Request.URL.String(),
		redirected: resp.Request.URL.String() != req.URL.String(),
		body:       body,
	}
	// One pair per value: fetch's Headers joins them, the http module
	// keeps Set-Cookie values apart as Node does.
	for name, values := range resp.Header {
		for _, v := range values {
			res.headers = append(res.headers, [2]string{strings.ToLower(name), v})
		}
	}
	return res, nil
}
