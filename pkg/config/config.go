package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Subdomain modes for apps.
const (
	SubdomainsFlat   = "flat"   // <instance>-<slug>.<rest>: one wildcard certificate covers everything
	SubdomainsNested = "nested" // <slug>.<instance>
)

// Config is the process configuration.
type Config struct {
	Host      string // address the public server listens on
	Port      int
	AdminHost string // address of the admin API
	AdminPort int

	Subdomains string // flat or nested
	// Scheme is how instances are reached from outside: "https" (the
	// default, as upstream) or "http"; empty means https unless Dev.
	Scheme string
	// TrustedProxies are the networks (CIDRs) whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed; requests from anywhere else
	// are taken at their connection's word.
	TrustedProxies []netip.Prefix
	FsURL          string // file:///path: where data lives
	Doctypes       string // a directory overriding the embedded remote doctypes

	RemoteAllowCustomPort bool
	// Registries are the app registries' base URLs, tried in order
	// (registry:// sources); Cozy's official registry by default.
	Registries []string
	// DefaultApps are the web apps (slugs) installed from the registries
	// in every new instance.
	DefaultApps []string
	// RemoteAssets maps names to the URLs that GET /remote/assets/:name
	// fetches (YAML map remote_assets, or COZY_REMOTE_ASSETS=name=url,...).
	RemoteAssets    map[string]string
	LogLevel        string
	Dev             bool // allows the admin API without passphrase
	AdminSecretFile string

	// DevDomain is the instance created by `cozy serve` when none exists,
	// in --dev mode; empty disables it.
	DevDomain string
	// BodyLimit bounds request bodies that are read whole (JSON).
	BodyLimit int64
	// ShutdownTimeout bounds the graceful stop.
	ShutdownTimeout time.Duration

	// Mail is the SMTP server that sends mail (notifications, sendmail jobs).
	Mail Mail

	// Compaction schedules the compaction of the instances' stores.
	Compaction Compaction

	// Box configures the household box: its first-boot setup page and how
	// it gets HTTPS.
	Box Box

	// File is the configuration file that was read, if any.
	File string
}

// Mail configures the SMTP server mail is sent through.
type Mail struct {
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	// DisableTLS sends over plain SMTP; otherwise STARTTLS is required.
	DisableTLS bool
	// NoReplyAddress is the sender of noreply mail (default: noreply@<instance domain>).
	NoReplyAddress string
	NoReplyName    string
}

// Compaction schedules the compaction of the instances' stores: each pass
// drops the replaced revisions of the doctypes written since the last one,
// then rewrites a store file smaller when enough of it is free.
type Compaction struct {
	// Interval is the time between passes; 0 disables them.
	Interval time.Duration
	// MinFree is the free space, in bytes, from which a store file is
	// rewritten (it must also be a quarter of the file).
	MinFree int64
}

// HTTPS modes of a box (Box.HTTPS).
const (
	BoxHTTPSAsk    = "ask"    // the setup page lets the household choose
	BoxHTTPSDomain = "domain" // a public domain, certificates by ACME DNS-01
	BoxHTTPSLAN    = "lan"    // a box-local CA for .local names
	BoxHTTPSLater  = "later"  // plain HTTP on the LAN for now
)

// Box configures the household box (the appliance): when enabled, the
// box's own host names (<Name>.local and its LAN addresses) serve the
// first-boot setup page until a household has been set up.
type Box struct {
	Enabled bool
	// Name is the box's host name on the LAN: <Name>.local.
	Name string
	// HTTPS restricts how the box may get HTTPS: ask (the household
	// chooses), domain, lan or later.
	HTTPS string
	// SetupCode makes the first-boot setup ask for the code the box
	// prints on its console. Off by default: like Home Assistant's
	// onboarding, the first visitor on the household's LAN sets the box
	// up, as a headless box has no screen to show a code on. Turn it on
	// where the LAN is shared with people who must not own the box.
	SetupCode bool
	// HTTPSPort is where the box serves HTTPS on Host when systemd
	// passes no "https" socket (cozy-https.socket passes 443).
	HTTPSPort int
	// Interfaces are the LAN interfaces the box is named on (mDNS); none
	// means every suitable one.
	Interfaces []string
	// ACME is the certificate authority of the domain way to HTTPS.
	ACME BoxACME
}

// BoxACME is the ACME CA the box gets its domain's certificates from.
type BoxACME struct {
	// CA is its directory URL ("": Let's Encrypt's production one).
	CA string
	// Email is the account's contact address ("": none).
	Email string
	// RootFile is a PEM file of roots to trust for the CA's own HTTPS
	// ("": the system's), for a private or test CA.
	RootFile string
	// Resolvers are the DNS servers ("host:port") asked for the zone and
	// the challenge's propagation ("": the system's).
	Resolvers []string
}

// DefaultRegistry is Cozy's official app registry, the default of
// registries, as upstream.
const DefaultRegistry = "https://apps-registry.cozycloud.cc"

// validSlug is apps.ValidSlug's rule (config cannot import pkg/apps).
func validSlug(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// setting describes one key: its YAML path, flag, environment variable,
// default and where it lands.
type setting struct {
	key   string // YAML path, dotted
	flag  string // command-line flag, "" when none
	usage string
	def   string
	set   func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return fmt.Errorf("not a port number: %q", v)
		}
		*p(c) = n
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", v)
		}
		*p(c) = b
		return nil
	}
}

var settings = []setting{
	{"host", "host", "server host", "localhost", str(func(c *Config) *string { return &c.Host })},
	{"port", "port", "server port", "8080", integer(func(c *Config) *int { return &c.Port })},
	{"admin.host", "admin-host", "administration server host", "localhost", str(func(c *Config) *string { return &c.AdminHost })},
	{"admin.port", "admin-port", "administration server port", "6060", integer(func(c *Config) *int { return &c.AdminPort })},
	{"admin.secret_file", "admin-secret-file", "file holding the hashed admin passphrase (default: cozy-admin-passphrase in a config directory)", "", str(func(c *Config) *string { return &c.AdminSecretFile })},
	{"subdomains", "subdomains", "how apps are served: flat (<instance>-<slug>.<rest>) or nested (<slug>.<instance>)", SubdomainsFlat, func(c *Config, v string) error {
		if v != SubdomainsFlat && v != SubdomainsNested {
			return fmt.Errorf("must be flat or nested, not %q", v)
		}
		c.Subdomains = v
		return nil
	}},
	{"scheme", "scheme", "public scheme of instances: https, or http for a LAN without certificates (default: https, http with --dev)", "", func(c *Config, v string) error {
		if v != "" && v != "http" && v != "https" {
			return fmt.Errorf("must be http or https, not %q", v)
		}
		c.Scheme = v
		return nil
	}},
	{"trusted_proxies", "trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed", "", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			p, err := netip.ParsePrefix(r)
			if err != nil {
				a, aerr := netip.ParseAddr(r)
				if aerr != nil {
					return fmt.Errorf("trusted proxy %q is not a CIDR or an address", r)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{"fs.url", "fs-url", "where data lives (file:///path or a path)", "file://./data", str(func(c *Config) *string { return &c.FsURL })},
	{"doctypes", "doctypes", "path to a directory of remote doctypes overriding the embedded ones", "", str(func(c *Config) *string { return &c.Doctypes })},
	{"remote_allow_custom_port", "remote-allow-custom-port", "allow remote doctypes to use a port other than the default", "false", boolean(func(c *Config) *bool { return &c.RemoteAllowCustomPort })},
	{"default_apps", "default-apps", "comma-separated slugs of the web apps installed from the registries in every new instance (e.g. home,drive,settings)", "", func(c *Config, v string) error {
		c.DefaultApps = nil
		for _, slug := range strings.Split(v, ",") {
			if slug = strings.TrimSpace(slug); slug == "" {
				continue
			}
			if !validSlug(slug) {
				return fmt.Errorf("default app %q is not a slug (lowercase letters, digits, - and _)", slug)
			}
			c.DefaultApps = append(c.DefaultApps, slug)
		}
		return nil
	}},
	{"registries", "registries", "comma-separated base URLs of app registries, tried in order", DefaultRegistry, func(c *Config, v string) error {
		c.Registries = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			u, err := url.Parse(r)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("registry %q is not an http(s) URL", r)
			}
			c.Registries = append(c.Registries, r)
		}
		return nil
	}},
	{"log.level", "log-level", "log level (debug, info, warn, error)", "info", func(c *Config, v string) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("unknown log level %q", v)
		}
		c.LogLevel = strings.ToLower(v)
		return nil
	}},
	{"dev", "dev", "development mode: admin API without passphrase, dev instance created", "false", boolean(func(c *Config) *bool { return &c.Dev })},
	{"dev_domain", "dev-domain", "domain of the instance created in --dev mode when none exists", "cozy.localhost:8080", str(func(c *Config) *string { return &c.DevDomain })},
	{"body_limit", "body-limit", "largest JSON request body, in bytes", "16777216", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return fmt.Errorf("body limit must be a number of bytes >= 1024, not %q", v)
		}
		c.BodyLimit = n
		return nil
	}},
	{"compaction.interval", "compaction-interval", "time between compactions of the instances' stores (0: never)", "1h", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("must be a duration such as 1h or 0, not %q", v)
		}
		c.Compaction.Interval = d
		return nil
	}},
	{"compaction.min_free", "compaction-min-free", "free bytes from which a store file is rewritten smaller (and a quarter of it)", "8388608", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("must be a number of bytes, not %q", v)
		}
		c.Compaction.MinFree = n
		return nil
	}},
	{"mail.host", "mail-host", "mail smtp host", "localhost", str(func(c *Config) *string { return &c.Mail.Host })},
	{"mail.port", "mail-port", "mail smtp port", "25", integer(func(c *Config) *int { return &c.Mail.Port })},
	{"mail.username", "mail-username", "mail smtp username", "", str(func(c *Config) *string { return &c.Mail.Username })},
	{"mail.password", "mail-password", "mail smtp password", "", str(func(c *Config) *string { return &c.Mail.Password })},
	{"mail.disable_tls", "mail-disable-tls", "disable starttls on smtp", "false", boolean(func(c *Config) *bool { return &c.Mail.DisableTLS })},
	{"mail.noreply_address", "mail-noreply-address", "mail address used for sending mail as a noreply (default: noreply@<instance domain>)", "", str(func(c *Config) *string { return &c.Mail.NoReplyAddress })},
	{"mail.noreply_name", "mail-noreply-name", "mail name used for sending mail as a noreply", "My Cozy", str(func(c *Config) *string { return &c.Mail.NoReplyName })},
	{"box.enabled", "box", "serve the household box's first-boot setup on <box.name>.local and the LAN addresses", "false", boolean(func(c *Config) *bool { return &c.Box.Enabled })},
	{"box.setup_code", "box-setup-code", "ask for the setup code printed on the box's console before the first-boot setup (for a LAN shared with others)", "false", boolean(func(c *Config) *bool { return &c.Box.SetupCode })},
	{"box.name", "box-name", "the box's LAN host name, without .local", "cozy", func(c *Config, v string) error {
		if !validLabel(v) {
			return fmt.Errorf("must be one DNS label (a-z, 0-9, -), not %q", v)
		}
		c.Box.Name = v
		return nil
	}},
	{"box.interfaces", "box-interfaces", "comma-separated LAN interfaces the box answers mDNS on (default: every suitable one)", "", func(c *Config, v string) error {
		c.Box.Interfaces = nil
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				c.Box.Interfaces = append(c.Box.Interfaces, n)
			}
		}
		return nil
	}},
	{"box.acme.ca", "box-acme-ca", "the ACME directory URL of the domain way to HTTPS (default: Let's Encrypt)", "", str(func(c *Config) *string { return &c.Box.ACME.CA })},
	{"box.acme.email", "box-acme-email", "the ACME account's contact address", "", str(func(c *Config) *string { return &c.Box.ACME.Email })},
	{"box.acme.root_file", "box-acme-root-file", "PEM roots to trust for the ACME CA's HTTPS (a private CA)", "", str(func(c *Config) *string { return &c.Box.ACME.RootFile })},
	{"box.acme.resolvers", "box-acme-resolvers", "comma-separated DNS servers (host:port) for the DNS-01 challenge checks", "", func(c *Config, v string) error {
		c.Box.ACME.Resolvers = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			if _, _, err := net.SplitHostPort(r); err != nil {
				return fmt.Errorf("resolver %q is not host:port", r)
			}
			c.Box.ACME.Resolvers = append(c.Box.ACME.Resolvers, r)
		}
		return nil
	}},
	{"box.https_port", "box-https-port", "the box's HTTPS port on host, unless systemd passes an https socket", "443", integer(func(c *Config) *int { return &c.Box.HTTPSPort })},
	{"box.https", "box-https", "how the box gets HTTPS: ask (the setup page offers every way), domain, lan or later", BoxHTTPSAsk, func(c *Config, v string) error {
		switch v {
		case BoxHTTPSAsk, BoxHTTPSDomain, BoxHTTPSLAN, BoxHTTPSLater:
			c.Box.HTTPS = v
			return nil
		}
		return fmt.Errorf("must be ask, domain, lan or later, not %q", v)
	}},
	{"shutdown_timeout", "", "", "2m", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		c.ShutdownTimeout = d
		return nil
	}},
}

// envName is the environment variable of a key: COZY_ADMIN_PORT for admin.port.
func envName(key string) string {
	return "COZY_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// AddFlags registers every setting's flag on fs, plus --config.
func AddFlags(fs *pflag.FlagSet) {
	fs.StringP("config", "c", "", "configuration file (default: cozy.yaml in ./, ./.cozy, ~/.cozy, /etc/cozy)")
	for _, s := range settings {
		if s.flag == "" {
			continue
		}
		switch s.def {
		case "true", "false":
			fs.Bool(s.flag, s.def == "true", s.usage)
		default:
			fs.String(s.flag, s.def, s.usage)
		}
	}
}

// SearchDirs are the directories searched for cozy.yaml and the admin
// passphrase file, by priority.
func SearchDirs() []string {
	dirs := []string{".", ".cozy"}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cozy"))
	}
	return append(dirs, "/etc/cozy")
}

// Load builds the configuration from flags (may be nil), the environment
// (getenv, os.Getenv when nil) and the configuration file.
func Load(fs *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := ""
	if fs != nil {
		if f := fs.Lookup("config"); f != nil {
			path = f.Value.String()
		}
	}
	if path == "" {
		path = getenv("COZY_CONFIG")
	}
	explicit := path != ""
	if !explicit {
		for _, dir := range SearchDirs() {
			for _, name := range []string{"cozy.yaml", "cozy.yml"} {
				p := filepath.Join(dir, name)
				if _, err := os.Stat(p); err == nil {
					path = p
					break
				}
			}
			if path != "" {
				break
			}
		}
	}
	file := map[string]string{}
	var fileAssets map[string]string
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		var tree map[string]any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
		flatten("", tree, file)
		for k, v := range file {
			if name, ok := strings.CutPrefix(k, "remote_assets."); ok {
				if fileAssets == nil {
					fileAssets = map[string]string{}
				}
				fileAssets[name] = v
				delete(file, k)
			}
		}
		known := map[string]bool{}
		for _, s := range settings {
			known[s.key] = true
		}
		for k := range file {
			if !known[k] {
				return nil, fmt.Errorf("config: %s: unknown key %q", path, k)
			}
		}
	}
	c := &Config{File: path}
	for _, s := range settings {
		v, from := s.def, "default"
		if fv, ok := file[s.key]; ok {
			v, from = fv, path
		}
		if ev := getenv(envName(s.key)); ev != "" {
			v, from = ev, envName(s.key)
		}
		if fs != nil && s.flag != "" {
			if f := fs.Lookup(s.flag); f != nil && f.Changed {
				v, from = f.Value.String(), "--"+s.flag
			}
		}
		if err := s.set(c, v); err != nil {
			return nil, fmt.Errorf("config: %s (from %s): %w", s.key, from, err)
		}
	}
	assets := fileAssets
	if ev := getenv("COZY_REMOTE_ASSETS"); ev != "" {
		assets = map[string]string{}
		for _, pair := range strings.Split(ev, ",") {
			name, u, ok := strings.Cut(pair, "=")
			if !ok {
				return nil, fmt.Errorf("config: COZY_REMOTE_ASSETS: %q is not name=url", pair)
			}
			assets[strings.TrimSpace(name)] = strings.TrimSpace(u)
		}
	}
	for name, raw := range assets {
		u, err := url.Parse(raw)
		if name == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("config: remote_assets.%s: %q is not an http(s) URL", name, raw)
		}
	}
	c.RemoteAssets = assets
	return c, nil
}

// validLabel tells whether v is one lower-case DNS label.
func validLabel(v string) bool {
	if v == "" || len(v) > 63 || v[0] == '-' || v[len(v)-1] == '-' {
		return false
	}
	for _, r := range v {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func flatten(prefix string, tree map[string]any, out map[string]string) {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(key, sub, out)
			continue
		}
		if list, ok := v.([]any); ok { // a YAML list reads as the comma-separated form
			parts := make([]string, len(list))
			for i, e := range list {
				parts[i] = fmt.Sprint(e)
			}
			out[key] = strings.Join(parts, ",")
			continue
		}
		out[key] = fmt.Sprint(v)
	}
}

// DataDir returns the directory named by fs.url.
func (c *Config) DataDir() (string, error) {
	raw := c.FsURL
	if !strings.Contains(raw, "://") {
		return filepath.Clean(raw), nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" {
		return "", fmt.Errorf("config: fs.url %q: only file:// is supported", raw)
	}
	// file://./data is a relative path (host "."), file:///var/lib/cozy absolute.
	p := u.Host + u.Path
	if p == "" {
		return "", errors.New("config: fs.url has no path")
	}
	return filepath.Clean(p), nil
}

// ServerAddr is the public listener's address.
func (c *Config) ServerAddr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// BoxHTTPSAddr is the box's HTTPS listener's address.
func (c *Config) BoxHTTPSAddr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Box.HTTPSPort))
}

// AdminAddr is the admin listener's address.
func (c *Config) AdminAddr() string { return net.JoinHostPort(c.AdminHost, strconv.Itoa(c.AdminPort)) }

// SlogLevel is the configured log level.
func (c *Config) SlogLevel() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel))
	return l
}

// Capabilities says what this server can do, as GET /settings/capabilities
// and the apps' {{.Capabilities}} tell clients. The values follow from the
// configuration and from what the server implements: no file versions,
// passphrase login only.
func Capabilities(subdomains string) map[string]bool {
	return map[string]bool{
		"file_versioning":           false,
		"flat_subdomains":           subdomains == SubdomainsFlat,
		"can_auth_with_password":    true,
		"can_auth_with_magic_links": false,
		"can_auth_with_oidc":        false,
	}
}

// PublicScheme is the scheme instances are reached with: the explicit
// scheme setting, else https, except in development where it is http (as
// upstream's dev release).
func (c *Config) PublicScheme() string {
	switch {
	case c.Scheme != "":
		return c.Scheme
	case c.Dev:
		return "http"
	}
	return "https"
}

// TrustedProxy tells whether addr, a connection's remote address, is one
// of the trusted proxies.
func (c *Config) TrustedProxy(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
