package pages_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
)

// TestDerivationFallback runs auth.js's derivation in node without
// WebCrypto (the vendored PBKDF2 of pbkdf2.js, used on plain http) and
// with it, and checks both against the server's Go derivation for several
// passphrases (ASCII, accented, emoji, longer than a SHA-256 block), hosts
// and iteration counts up to the default; the bare PBKDF2 is checked
// against crypto/pbkdf2 and RFC 7914's PBKDF2-HMAC-SHA256 vector.
func TestDerivationFallback(t *testing.T) {
	type tc struct {
		Passphrase string `json:"passphrase"`
		Host       string `json:"-"`
		Salt       string `json:"salt"`
		Iterations int    `json:"iterations"`
	}
	cases := []tc{
		{Passphrase: "passwd", Salt: "salt", Iterations: 1}, // RFC 7914 §11
		{Passphrase: "a long enough passphrase", Host: "cozy.local", Iterations: 1},
		{Passphrase: "a long enough passphrase", Host: "cozy.local", Iterations: 2},
		{Passphrase: "pässwörd mit Ümläuten 🔑", Host: "alice.smiths.dedyn.io", Iterations: 1000},
		{Passphrase: strings.Repeat("0123456789", 10), Host: "cozy.localhost", Iterations: 4096},
		{Passphrase: "correct horse battery staple", Host: "cozy.local", Iterations: instance.DefaultKdfIterations},
	}
	for i := range cases {
		if cases[i].Host != "" {
			cases[i].Salt = "me@" + cases[i].Host
		}
	}
	raw, _ := json.Marshal(cases)
	file := filepath.Join(t.TempDir(), "cases.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	assets, _ := filepath.Abs("assets")
	out := webtest.Script{Path: "pbkdf2.mjs", Args: []string{assets, file}}.Run(t)
	var got []struct{ Fallback, Webcrypto, Raw string }
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node printed %s: %v", out, err)
	}
	if got[0].Raw != "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc" {
		t.Errorf("RFC 7914 vector: %s", got[0].Raw)
	}
	for i, c := range cases {
		key, err := pbkdf2.Key(sha256.New, c.Passphrase, []byte(c.Salt), c.Iterations, 32)
		if err != nil {
			t.Fatal(err)
		}
		if c.Iterations <= 10000 && got[i].Raw != hex.EncodeToString(key) {
			t.Errorf("case %d: PBKDF2 %s, Go %x", i, got[i].Raw, key)
		}
		if c.Host == "" {
			continue
		}
		want, err := instance.ClientSecret(c.Passphrase, c.Host, c.Iterations)
		if err != nil {
			t.Fatal(err)
		}
		if got[i].Fallback != want || got[i].Webcrypto != want {
			t.Errorf("case %d (%d iterations): fallback %s, WebCrypto %s, Go %s", i, c.Iterations, got[i].Fallback, got[i].Webcrypto, want)
		}
	}
}
