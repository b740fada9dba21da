package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"golang.org/x/term"
)

// adminClient talks to the admin API.
type adminClient struct {
	base       string
	passphrase string
	http       *http.Client
}

func newAdminClient(cfg *config.Config) *adminClient {
	host := cfg.AdminHost
	base := ""
	if strings.HasPrefix(host, "http://") || strings.HasPrefix(host, "https://") {
		base = strings.TrimSuffix(host, "/")
		if u, err := url.Parse(base); err == nil && u.Port() == "" {
			base = fmt.Sprintf("%s:%d", base, cfg.AdminPort)
		}
	} else {
		base = "http://" + cfg.AdminAddr()
	}
	return &adminClient{base: base, passphrase: os.Getenv("COZY_ADMIN_PASSPHRASE"), http: &http.Client{Timeout: 2 * time.Minute}}
}

// askPassphrase prompts on the terminal, as upstream's CLI does when
// COZY_ADMIN_PASSPHRASE is not set.
func (a *adminClient) askPassphrase() error {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return errors.New("the admin API needs a passphrase: set COZY_ADMIN_PASSPHRASE")
	}
	fmt.Fprint(os.Stderr, "Admin passphrase: ")
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return fmt.Errorf("read passphrase: %w", err)
	}
	a.passphrase = string(p)
	return nil
}

// do sends a request and decodes a JSON answer into out (or returns the
// raw body when out is a *[]byte).
func (a *adminClient) do(ctx context.Context, method, path string, query url.Values, out any) error {
	return a.send(ctx, method, path, query, nil, out)
}

// send sends a request, with body as JSON when it is not nil (secrets go
// there, never in the URL, so that they stay out of logs), and decodes the
// answer into out (nil: none expected; *[]byte: the raw body). Without a
// passphrase, a 401 asks for one on the terminal and tries once more.
func (a *adminClient) send(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	for attempt := 0; ; attempt++ {
		u := a.base + path
		if len(query) > 0 {
			u += "?" + query.Encode()
		}
		var reader io.Reader
		if body != nil {
			reader = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, reader)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if a.passphrase != "" {
			req.SetBasicAuth("", a.passphrase)
		}
		res, err := a.http.Do(req)
		if err != nil {
			return fmt.Errorf("admin API at %s: %w (is `cozy serve` running?)", a.base, err)
		}
		data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("admin API: %w", err)
		}
		if res.StatusCode == http.StatusUnauthorized && a.passphrase == "" && attempt == 0 {
			if err := a.askPassphrase(); err != nil {
				return err
			}
			continue
		}
		if res.StatusCode >= 400 {
			return apiError(res.StatusCode, bytes.TrimSpace(data))
		}
		switch o := out.(type) {
		case nil:
			return nil
		case *[]byte:
			*o = data
			return nil
		default:
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("admin API: bad answer: %w", err)
			}
			return nil
		}
	}
}

func apiError(status int, body []byte) error {
	var doc struct {
		Errors []struct{ Detail string } `json:"errors"`
	}
	if json.Unmarshal(body, &doc) == nil && len(doc.Errors) > 0 && doc.Errors[0].Detail != "" {
		return fmt.Errorf("%s (HTTP %d)", doc.Errors[0].Detail, status)
	}
	return fmt.Errorf("admin API answered HTTP %d: %s", status, strings.TrimSpace(string(body)))
}
