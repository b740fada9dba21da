package apps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/remote"
)

// Errors of sources.
var (
	// ErrBadSource is wrapped when a source URL is malformed or of an
	// unsupported scheme (422).
	ErrBadSource = errors.New("invalid source")
	// ErrSourceNotFound is wrapped when a source or its manifest cannot be
	// reached (404).
	ErrSourceNotFound = errors.New("source not reachable")
	// ErrChecksum is wrapped when downloaded content does not have the
	// expected sha256 (400).
	ErrChecksum = errors.New("checksum mismatch")
)

// Channels of the registries.
var channels = map[string]bool{"stable": true, "beta": true, "dev": true}

// ParseSource checks a source URL and returns it parsed.
func ParseSource(raw string) (*url.URL, error) {
	if raw == "" || len(raw) > 2048 {
		return nil, fmt.Errorf("%w: empty or too long", ErrBadSource)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return nil, fmt.Errorf("%w: file:// needs an absolute local path", ErrBadSource)
		}
	case "http", "https", "git", "git+https", "git+ssh":
		if u.Host == "" {
			return nil, fmt.Errorf("%w: %s:// needs a host", ErrBadSource, u.Scheme)
		}
	case "registry":
		if !ValidSlug(u.Host) {
			return nil, fmt.Errorf("%w: registry://<slug>/<channel or version>", ErrBadSource)
		}
	default:
		return nil, fmt.Errorf("%w: unsupported scheme %q", ErrBadSource, u.Scheme)
	}
	return u, nil
}

// RegistryVersion is a version object of a registry.
type RegistryVersion struct {
	Slug      string          `json:"slug"`
	Type      string          `json:"type"`
	Version   string          `json:"version"`
	URL       string          `json:"url"`
	Sha256    string          `json:"sha256"`
	Size      string          `json:"size,omitempty"`
	TarPrefix string          `json:"tar_prefix,omitempty"`
	Manifest  json.RawMessage `json:"manifest,omitempty"`
}

// FetchTimeout bounds one download of a package (a tarball of a few
// hundred megabytes on a slow link) and one registry call.
const FetchTimeout = 10 * time.Minute

// Fetcher downloads packages from their sources. URLs come from users, so
// every http(s) request (sources, registry calls, tarballs and their
// redirects) goes through remote's guarded transport: no loopback, private
// or special addresses, checked on the address actually dialled. The
// configured registries and Trusted are allowed as they are, wherever
// they live (a registry on loopback in development). Unlike /remote, any
// port is allowed: self-hosted registries and forges often use one.
//
// git clones run the system git: its http(s) connections go through a
// local proxy for the clone that dials with the guard; redirects are not
// followed. Limits: git:// and ssh sources are dialled by git itself:
// their host is resolved and checked before the clone, but a name that
// resolves differently at clone time (DNS rebinding) is not caught.
type Fetcher struct {
	// HTTP replaces the guarded client (tests only: it trusts every
	// address).
	HTTP *http.Client
	// Registries are the base URLs of registries, tried in order; their
	// origins are trusted.
	Registries []string
	// Trusted are more origins (scheme://host:port) allowed whatever their
	// address: a development mirror, a test server.
	Trusted []string
	// Git is the git binary; "" means "git" in PATH.
	Git    string
	Limits Limits
}

// Fetched tells what was fetched.
type Fetched struct {
	Checksum string // sha256 of the archive, when there was one
	// Registry is the version object, for registry sources.
	Registry *RegistryVersion
}

// guard returns the transport judging the destinations of one fetch,
// built from the current registries and limits.
func (f *Fetcher) guard() (*remote.Guarded, error) {
	g, err := remote.NewGuarded(remote.ClientConfig{Timeout: FetchTimeout, MaxResponseBytes: f.limits().MaxBytes + 1,
		AllowCustomPort: true}, append(slices.Clone(f.Registries), f.Trusted...))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	return g, nil
}

// client returns the HTTP client of one fetch and what to call once done.
func (f *Fetcher) client() (*http.Client, func(), error) {
	if f.HTTP != nil {
		return f.HTTP, func() {}, nil
	}
	g, err := f.guard()
	if err != nil {
		return nil, nil, err
	}
	return g.HTTPClient(), g.CloseIdleConnections, nil
}

// reachErr turns a transport error into the package's errors: a refused
// destination is a bad source, with the rule that refused it.
func reachErr(what string, err error) error {
	var blocked *remote.BlockedError
	if errors.As(err, &blocked) {
		return fmt.Errorf("%w: %s is not allowed (%s); only the configured registries may be on a private network", ErrBadSource, blocked.Target, blocked.Reason)
	}
	if errors.Is(err, remote.ErrResponseTooLarge) {
		return fmt.Errorf("%w: %s: %w", ErrUnsafeArchive, what, remote.ErrResponseTooLarge)
	}
	return fmt.Errorf("%w: %s: %w", ErrSourceNotFound, what, err)
}

func (f *Fetcher) limits() Limits {
	if f.Limits.MaxFiles == 0 {
		return DefaultLimits
	}
	return f.Limits
}

// Fetch puts the files of the package at src into dir (existing, empty).
func (f *Fetcher) Fetch(ctx context.Context, src *url.URL, dir string) (*Fetched, error) {
	switch src.Scheme {
	case "file":
		if err := copyDir(src.Path, dir, f.limits()); err != nil {
			if os.IsNotExist(errors.Unwrap(err)) || errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w: %s", ErrSourceNotFound, src.Path)
			}
			return nil, err
		}
		return &Fetched{}, nil
	case "http", "https":
		c, done, err := f.client()
		if err != nil {
			return nil, err
		}
		defer done()
		u := *src
		u.Fragment = ""
		sum, err := f.download(ctx, c, u.String(), src.Fragment, "", dir)
		if err != nil {
			return nil, err
		}
		return &Fetched{Checksum: sum}, nil
	case "git", "git+https", "git+ssh":
		return &Fetched{}, f.git(ctx, src, dir)
	case "registry":
		c, done, err := f.client()
		if err != nil {
			return nil, err
		}
		defer done()
		return f.registry(ctx, c, src, dir)
	}
	return nil, fmt.Errorf("%w: unsupported scheme %q", ErrBadSource, src.Scheme)
}

// download fetches a tarball, checks its sha256 when expected is set, and
// unpacks it. The archive is spooled to a temporary file first, so that
// nothing is unpacked before the checksum is verified.
func (f *Fetcher) download(ctx context.Context, c *http.Client, rawURL, expected, prefix, dir string) (string, error) {
	expected = strings.ToLower(strings.TrimPrefix(expected, "sha256:"))
	if expected != "" {
		if b, err := hex.DecodeString(expected); err != nil || len(b) != sha256.Size {
			return "", fmt.Errorf("%w: the fragment must be a hex sha256", ErrBadSource)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadSource, err)
	}
	max := f.limits().MaxBytes
	res, err := c.Do(req)
	if err != nil {
		return "", reachErr("download", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: %s answered %d", ErrSourceNotFound, req.URL.Redacted(), res.StatusCode)
	}
	if res.ContentLength > max {
		return "", fmt.Errorf("%w: archive of %d bytes, larger than %d", ErrUnsafeArchive, res.ContentLength, max)
	}
	tmp, err := os.CreateTemp("", "cozy-app-*.tar")
	if err != nil {
		return "", fmt.Errorf("apps: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(res.Body, max+1))
	if err != nil && !errors.Is(err, remote.ErrResponseTooLarge) {
		return "", reachErr("download", err)
	}
	if n > max || err != nil {
		return "", fmt.Errorf("%w: archive larger than %d bytes", ErrUnsafeArchive, max)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if expected != "" && sum != expected {
		return "", fmt.Errorf("%w: expected sha256 %s, got %s", ErrChecksum, expected, sum)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("apps: %w", err)
	}
	if err := Extract(tmp, dir, prefix, f.limits()); err != nil {
		return "", err
	}
	return sum, nil
}

// gitGuard checks a git source before the clone and returns the proxy
// git's http(s) connections must take (nil when every address is
// trusted, or for git:// and ssh, which git dials by itself: for those,
// the host is resolved and checked here, which a DNS answer changing
// before the clone escapes).
func (f *Fetcher) gitGuard(ctx context.Context, u *url.URL) (*gitProxy, error) {
	if f.HTTP != nil {
		return nil, nil // tests trusting every address
	}
	g, err := f.guard()
	if err != nil {
		return nil, err
	}
	if g.Trusted(u) {
		g.CloseIdleConnections()
		return nil, nil
	}
	if err := g.CheckHost(ctx, u.Hostname()); err != nil {
		return nil, reachErr("git", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, nil
	}
	p, err := startGitProxy(g)
	if err != nil {
		return nil, fmt.Errorf("apps: git proxy: %w", err)
	}
	return p, nil
}

// git clones the repository (one commit of the branch named by the
// fragment) with the system git, then copies its files without .git.
func (f *Fetcher) git(ctx context.Context, src *url.URL, dir string) error {
	u := *src
	branch := u.Fragment
	u.Fragment = ""
	u.Scheme = strings.TrimPrefix(u.Scheme, "git+")
	if branch != "" && (strings.HasPrefix(branch, "-") || strings.ContainsAny(branch, " \t\n:~^?*[\\")) {
		return fmt.Errorf("%w: bad branch name %q", ErrBadSource, branch)
	}
	proxy, err := f.gitGuard(ctx, &u)
	if err != nil {
		return err
	}
	if proxy != nil {
		defer proxy.Close()
	}
	bin := f.Git
	if bin == "" {
		bin = "git"
	}
	tmp, err := os.MkdirTemp("", "cozy-app-git-*")
	if err != nil {
		return fmt.Errorf("apps: %w", err)
	}
	defer os.RemoveAll(tmp)
	// No redirect: its target would not be checked before the clone.
	args := []string{"-c", "protocol.file.allow=never", "-c", "http.followRedirects=false"}
	if proxy != nil {
		args = append(args, "-c", "http.proxy="+proxy.URL())
	}
	args = append(args, "clone", "--quiet", "--depth", "1", "--no-tags")
	if branch != "" {
		args = append(args, "--branch", branch)
	}
	args = append(args, "--", u.String(), filepath.Join(tmp, "repo"))
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(gitEnv(), "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=git:http:https:ssh", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return fmt.Errorf("%w: git clone: %s", ErrSourceNotFound, msg)
	}
	return copyDir(filepath.Join(tmp, "repo"), dir, f.limits())
}

// gitEnv is the environment of git without the proxy settings, which
// could send it around the guard (no_proxy) or elsewhere.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Version resolves registry://slug/channel (or /version) against the
// registries, first answer wins.
func (f *Fetcher) Version(ctx context.Context, src *url.URL) (*RegistryVersion, error) {
	c, done, err := f.client()
	if err != nil {
		return nil, err
	}
	defer done()
	return f.version(ctx, c, src)
}

func (f *Fetcher) version(ctx context.Context, c *http.Client, src *url.URL) (*RegistryVersion, error) {
	slug := src.Host
	ref := strings.Trim(src.Path, "/")
	if ref == "" {
		ref = "stable"
	}
	if strings.Contains(ref, "/") || !versionRe.MatchString(ref) {
		return nil, fmt.Errorf("%w: bad channel or version %q", ErrBadSource, ref)
	}
	path := "/registry/" + url.PathEscape(slug) + "/" + url.PathEscape(ref)
	if channels[ref] {
		path += "/latest"
	}
	if len(f.Registries) == 0 {
		return nil, fmt.Errorf("%w: no registry is configured", ErrSourceNotFound)
	}
	for _, base := range f.Registries {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+path, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: registry %q: %w", ErrBadSource, base, err)
		}
		res, err := c.Do(req)
		if err != nil {
			return nil, reachErr("registry", err)
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, maxVersionDoc))
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			continue
		}
		if err != nil || res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%w: registry %s answered %d", ErrSourceNotFound, base, res.StatusCode)
		}
		var v RegistryVersion
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("%w: registry version: %w", ErrManifest, err)
		}
		if v.Slug != slug || v.URL == "" || v.Sha256 == "" {
			return nil, fmt.Errorf("%w: registry version lacks slug, url or sha256", ErrManifest)
		}
		return &v, nil
	}
	return nil, fmt.Errorf("%w: %s is in no registry", ErrSourceNotFound, slug)
}

// maxVersionDoc bounds a registry's version document.
const maxVersionDoc = 4 << 20

func (f *Fetcher) registry(ctx context.Context, c *http.Client, src *url.URL, dir string) (*Fetched, error) {
	v, err := f.version(ctx, c, src)
	if err != nil {
		return nil, err
	}
	sum, err := f.download(ctx, c, v.URL, v.Sha256, v.TarPrefix, dir)
	if err != nil {
		return nil, err
	}
	return &Fetched{Checksum: sum, Registry: v}, nil
}
