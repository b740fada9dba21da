package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/spf13/pflag"
)

func TestPriority(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cozy.yaml")
	if err := os.WriteFile(file, []byte("port: 9000\nadmin:\n  port: 7000\nsubdomains: nested\nlog:\n  level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"COZY_ADMIN_PORT": "7100", "COZY_HOST": "0.0.0.0"}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.AddFlags(fs)
	if err := fs.Parse([]string{"--config", file, "--host", "127.0.0.2", "--fs-url", "file:///var/lib/cozy"}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"flag over env", c.Host, "127.0.0.2"},
		{"file", c.ServerAddr(), "127.0.0.2:9000"},
		{"env over file", c.AdminAddr(), "localhost:7100"},
		{"file nested key", c.Subdomains, "nested"},
		{"file log level", c.LogLevel, "debug"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if d, _ := c.DataDir(); d != "/var/lib/cozy" {
		t.Errorf("data dir %q", d)
	}
}

func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.ServerAddr() != "localhost:8080" || c.AdminAddr() != "localhost:6060" || c.Subdomains != "flat" || c.Dev {
		t.Fatalf("defaults: %+v", c)
	}
	if d, _ := c.DataDir(); d != "data" {
		t.Fatalf("data dir %q", d)
	}
	if c.Compaction.Interval != time.Hour || c.Compaction.MinFree != 8<<20 {
		t.Fatalf("compaction: %+v", c.Compaction)
	}
}

func TestBadValues(t *testing.T) {
	for _, env := range []map[string]string{
		{"COZY_PORT": "eighty"},
		{"COZY_SUBDOMAINS": "deep"},
		{"COZY_LOG_LEVEL": "loud"},
		{"COZY_DEV": "perhaps"},
		{"COZY_BODY_LIMIT": "12"},
		{"COZY_COMPACTION_INTERVAL": "-1h"},
		{"COZY_COMPACTION_MIN_FREE": "lots"},
	} {
		_, err := config.Load(nil, func(k string) string { return env[k] })
		if err == nil {
			t.Errorf("%v accepted", env)
			continue
		}
		for k := range env {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("error %q does not name %s", err, k)
			}
		}
	}
	file := filepath.Join(t.TempDir(), "cozy.yaml")
	os.WriteFile(file, []byte("prot: 80\n"), 0o600)
	if _, err := config.Load(nil, func(k string) string {
		if k == "COZY_CONFIG" {
			return file
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "prot") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestRemoteAssets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cozy.yaml")
	os.WriteFile(file, []byte("remote_assets:\n  bank: https://example.org/bank.json\n  logo: http://example.org/logo.png\n"), 0o600)
	env := map[string]string{"COZY_CONFIG": file}
	c, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.RemoteAssets) != 2 || c.RemoteAssets["bank"] != "https://example.org/bank.json" {
		t.Fatalf("assets %v", c.RemoteAssets)
	}
	env["COZY_REMOTE_ASSETS"] = "only=https://example.org/x"
	if c, err = config.Load(nil, func(k string) string { return env[k] }); err != nil || len(c.RemoteAssets) != 1 {
		t.Fatalf("env assets %v %v", c.RemoteAssets, err)
	}
	for _, bad := range []string{"noequal", "x=ftp://example.org/a", "x=/relative"} {
		env["COZY_REMOTE_ASSETS"] = bad
		if _, err := config.Load(nil, func(k string) string { return env[k] }); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMailSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cozy.yaml")
	if err := os.WriteFile(file, []byte("mail:\n  host: smtp.example.org\n  port: 587\n  username: u\n  noreply_name: Box\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.AddFlags(fs)
	if err := fs.Parse([]string{"--config", file, "--mail-disable-tls", "--mail-noreply-address", "noreply@example.org"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"COZY_MAIL_PASSWORD": "secret"}
	c, err := config.Load(fs, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := config.Mail{Host: "smtp.example.org", Port: 587, Username: "u", Password: "secret", DisableTLS: true,
		NoReplyAddress: "noreply@example.org", NoReplyName: "Box"}
	if c.Mail != want {
		t.Fatalf("mail: %+v, want %+v", c.Mail, want)
	}
	if _, err := config.Load(nil, func(k string) string { return map[string]string{"COZY_MAIL_PORT": "smtp"}[k] }); err == nil {
		t.Fatal("a bad mail port was accepted")
	}
}

func TestRegistries(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cozy.yaml")
	os.WriteFile(file, []byte("registries:\n  - https://apps.example.org/registry\n  - http://127.0.0.1:9000\n"), 0o600)
	env := map[string]string{"COZY_CONFIG": file}
	c, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil || len(c.Registries) != 2 || c.Registries[1] != "http://127.0.0.1:9000" {
		t.Fatalf("YAML list: %v %v", c.Registries, err)
	}
	env["COZY_REGISTRIES"] = "https://one.example, https://two.example"
	if c, err = config.Load(nil, func(k string) string { return env[k] }); err != nil || len(c.Registries) != 2 || c.Registries[0] != "https://one.example" {
		t.Fatalf("env: %v %v", c.Registries, err)
	}
	env["COZY_REGISTRIES"] = "ftp://nope.example"
	if _, err := config.Load(nil, func(k string) string { return env[k] }); err == nil {
		t.Fatal("a non-http registry accepted")
	}
}

func TestPublicSchemeAndProxies(t *testing.T) {
	tests := []struct {
		args   []string
		scheme string
		err    bool
	}{
		{nil, "https", false},
		{[]string{"--dev"}, "http", false},
		{[]string{"--scheme", "http"}, "http", false},
		{[]string{"--dev", "--scheme", "https"}, "https", false},
		{[]string{"--scheme", "ftp"}, "", true},
		{[]string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.1,::1"}, "https", false},
		{[]string{"--trusted-proxies", "not-a-cidr"}, "", true},
	}
	for _, tt := range tests {
		c, err := loadArgs(t, tt.args...)
		if (err != nil) != tt.err {
			t.Fatalf("%v: err %v", tt.args, err)
		}
		if err == nil && c.PublicScheme() != tt.scheme {
			t.Errorf("%v: scheme %s, want %s", tt.args, c.PublicScheme(), tt.scheme)
		}
	}
	c, err := loadArgs(t, "--trusted-proxies", "10.0.0.0/8,192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"10.1.2.3": true, "192.0.2.1": true, "192.0.2.2": false, "::ffff:10.0.0.1": true} {
		if got := c.TrustedProxy(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s trusted=%v, want %v", addr, got, want)
		}
	}
}

// loadArgs loads the configuration from command-line arguments alone (no
// file, no environment).
func loadArgs(t *testing.T, args ...string) (*config.Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.AddFlags(fs)
	empty := filepath.Join(t.TempDir(), "cozy.yaml")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(append([]string{"--config", empty}, args...)); err != nil {
		return nil, err
	}
	return config.Load(fs, func(string) string { return "" })
}

func TestBoxSettings(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Box, config.Box{Name: "cozy", HTTPS: config.BoxHTTPSAsk, HTTPSPort: 443}) {
		t.Fatalf("box defaults: %+v", c.Box)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "cozy.yaml")
	if err := os.WriteFile(file, []byte("box:\n  enabled: true\n  name: maison\n  https: lan\n  setup_code: true\n  https_port: 8443\n  interfaces: eth0, wlan0\n  acme:\n    ca: https://acme.example/dir\n    resolvers: 192.0.2.53:53\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = config.Load(nil, func(k string) string { return map[string]string{"COZY_CONFIG": file}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Box, config.Box{Enabled: true, Name: "maison", HTTPS: config.BoxHTTPSLAN, SetupCode: true, HTTPSPort: 8443, Interfaces: []string{"eth0", "wlan0"},
		ACME: config.BoxACME{CA: "https://acme.example/dir", Resolvers: []string{"192.0.2.53:53"}}}) {
		t.Fatalf("box from file: %+v", c.Box)
	}
	for _, bad := range []map[string]string{
		{"COZY_BOX_NAME": "Cozy"}, {"COZY_BOX_NAME": "-cozy"}, {"COZY_BOX_NAME": "cozy.local"},
		{"COZY_BOX_HTTPS": "tls"}, {"COZY_BOX_ENABLED": "yes please"},
	} {
		if _, err := config.Load(nil, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// TestDefaultAppsAndRegistry: Cozy's official registry is the default
// (before: no registry at all), a configuration may replace it, and the
// default apps of new instances are slugs.
func TestDefaultAppsAndRegistry(t *testing.T) {
	c, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Registries) != 1 || c.Registries[0] != config.DefaultRegistry || len(c.DefaultApps) != 0 {
		t.Fatalf("defaults: %v %v", c.Registries, c.DefaultApps)
	}
	env := map[string]string{"COZY_DEFAULT_APPS": "home, drive,settings", "COZY_REGISTRIES": "http://127.0.0.1:9000"}
	c, err = config.Load(nil, func(k string) string { return env[k] })
	if err != nil || len(c.DefaultApps) != 3 || c.DefaultApps[1] != "drive" || c.Registries[0] != "http://127.0.0.1:9000" {
		t.Fatalf("env: %v %v %v", c.DefaultApps, c.Registries, err)
	}
	env["COZY_DEFAULT_APPS"] = "home,Drive"
	if _, err := config.Load(nil, func(k string) string { return env[k] }); err == nil {
		t.Fatal("an invalid slug was accepted")
	}
}
