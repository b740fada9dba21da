package remote

import (
	"context"
	"errors"
)

// ErrSecretNotFound is returned by a SecretStore when the doctype has no
// secret under that key; the variable is then reported as missing.
var ErrSecretNotFound = errors.New("remote: secret not found")

// SecretStore gives the values of {{secret_<key>}} variables. It follows
// upstream's remote-secrets convention: one record per remote doctype, keyed
// by the doctype, whose fields are the secrets ({"token": "..."} serves
// {{secret_token}}). The instance layer implements it on its own storage and
// exposes setting secrets through the admin CLI/API. Values are never logged
// nor returned to apps by this package.
type SecretStore interface {
	// Get returns the secret key of doctype, or an error wrapping
	// ErrSecretNotFound.
	Get(ctx context.Context, doctype, key string) (string, error)
}

// StaticSecrets is a SecretStore held in memory: doctype -> key -> value.
// It suits tests and development; it must not be modified while in use.
type StaticSecrets map[string]map[string]string

// Get implements SecretStore.
func (s StaticSecrets) Get(_ context.Context, doctype, key string) (string, error) {
	v, ok := s[doctype][key]
	if !ok {
		return "", ErrSecretNotFound
	}
	return v, nil
}
