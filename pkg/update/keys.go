package update

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// KeysDir is where the image keeps the public keys it trusts for
// updates: every *.pub file in it.
const KeysDir = "/usr/lib/cozy/update-keys"

// maxKeyFile bounds what is read of a key file: one line of base64.
const maxKeyFile = 1024

// GenerateKey writes a new signing key pair: prefix.key (the 32-byte
// ed25519 seed in standard base64, mode 0600) and prefix.pub (the public
// key, same encoding). It refuses to overwrite either file: a lost
// signing key cannot be replaced on boxes already sold.
func GenerateKey(prefix string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("update: keygen: %w", err)
	}
	keyFile, pubFile := prefix+".key", prefix+".pub"
	for _, p := range []string{keyFile, pubFile} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("update: keygen: %s exists; refusing to overwrite it", p)
		}
	}
	if err := writeExcl(keyFile, base64.StdEncoding.EncodeToString(priv.Seed())+"\n", 0o600); err != nil {
		return nil, err
	}
	if err := writeExcl(pubFile, base64.StdEncoding.EncodeToString(pub)+"\n", 0o644); err != nil {
		os.Remove(keyFile)
		return nil, err
	}
	return pub, nil
}

// writeExcl creates p (never replacing a file) with content, synced.
func writeExcl(p, content string, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("update: keygen: %w", err)
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return fmt.Errorf("update: keygen: %w", err)
	}
	return nil
}

// readKeyFile decodes the single base64 line of a key file.
func readKeyFile(p string, size int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("update: key: %w", err)
	}
	defer f.Close()
	buf := make([]byte, maxKeyFile+1)
	n, _ := f.Read(buf)
	if n > maxKeyFile {
		return nil, fmt.Errorf("update: key %s: too long for a key file", p)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		return nil, fmt.Errorf("update: key %s: not base64: %w", p, err)
	}
	if len(raw) != size {
		return nil, fmt.Errorf("update: key %s: %d bytes, want %d", p, len(raw), size)
	}
	return raw, nil
}

// LoadPrivateKey reads a signing key written by GenerateKey.
func LoadPrivateKey(p string) (ed25519.PrivateKey, error) {
	seed, err := readKeyFile(p, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadPublicKey reads a public key written by GenerateKey.
func LoadPublicKey(p string) (ed25519.PublicKey, error) {
	raw, err := readKeyFile(p, ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(raw), nil
}

// LoadTrustedKeys reads every *.pub of dir, in name order. A missing
// directory is no key at all (every bundle is then refused); a malformed
// key file is an error, so that a broken image is noticed.
func LoadTrustedKeys(dir string) ([]ed25519.PublicKey, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, fmt.Errorf("update: trusted keys: %w", err)
	}
	sort.Strings(names)
	var keys []ed25519.PublicKey
	for _, n := range names {
		k, err := LoadPublicKey(n)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if _, err := os.Stat(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("update: trusted keys: %w", err)
	}
	return keys, nil
}
