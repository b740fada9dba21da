package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// SecretsDoctype is the doctype of the secret records in an instance's
// store: one document per remote doctype, whose _id is the remote doctype
// and whose other fields are the secrets (upstream's io-cozy-remote-secrets
// database). pkg/permission keeps it out of the data API.
const SecretsDoctype = "io.cozy.remote.secrets"

// maxSecretRetries bounds the read-modify-write retries of StoreSecrets on
// concurrent updates.
const maxSecretRetries = 5

// maxSecretSize caps one secret value.
const maxSecretSize = 16 << 10

// ErrInvalidSecret means a secret name or value cannot be stored.
var ErrInvalidSecret = errors.New("remote: invalid secret")

// StoreSecrets is a SecretStore kept as SecretsDoctype documents of an
// instance's document store. It also sets, lists and deletes secrets for
// the admin API. Values are never logged.
type StoreSecrets struct {
	// Store is the instance's document store.
	Store store.Store
}

// secretsDoc reads the secret record of doctype; a missing record gives an
// empty map and an empty revision.
func (s StoreSecrets) secretsDoc(ctx context.Context, doctype string) (map[string]json.RawMessage, string, error) {
	doc, err := s.Store.DB(SecretsDoctype).Get(ctx, doctype, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return map[string]json.RawMessage{}, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("remote: read secrets of %s: %w", doctype, err)
	}
	if doc.Deleted {
		return map[string]json.RawMessage{}, "", nil
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(doc.Body, &fields); err != nil {
		return nil, "", fmt.Errorf("remote: secrets of %s: %w", doctype, err)
	}
	return fields, doc.Rev, nil
}

// Get implements SecretStore: the string field key of the doctype's record.
func (s StoreSecrets) Get(ctx context.Context, doctype, key string) (string, error) {
	if strings.HasPrefix(key, "_") {
		return "", ErrSecretNotFound
	}
	fields, _, err := s.secretsDoc(ctx, doctype)
	if err != nil {
		return "", err
	}
	raw, ok := fields[key]
	if !ok {
		return "", ErrSecretNotFound
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("remote: secret %s%s of %s is not a string", SecretPrefix, key, doctype)
	}
	return v, nil
}

// Keys lists the secret names of doctype, sorted, without their values.
func (s StoreSecrets) Keys(ctx context.Context, doctype string) ([]string, error) {
	fields, _, err := s.secretsDoc(ctx, doctype)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !strings.HasPrefix(k, "_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// Set stores value as the secret key of doctype (served as
// {{secret_<key>}}), keeping the doctype's other secrets.
func (s StoreSecrets) Set(ctx context.Context, doctype, key, value string) error {
	if !ValidDoctype(doctype) {
		return fmt.Errorf("%w: invalid doctype name %q", ErrInvalidSecret, abbreviate(doctype))
	}
	if strings.HasPrefix(key, "_") || !validVarName(key) {
		return fmt.Errorf("%w: invalid name %q (letters, digits, '_', '-', '.', not starting with '_')", ErrInvalidSecret, abbreviate(key))
	}
	if value == "" || len(value) > maxSecretSize {
		return fmt.Errorf("%w: the value must have 1 to %d bytes", ErrInvalidSecret, maxSecretSize)
	}
	return s.update(ctx, doctype, func(fields map[string]json.RawMessage) (bool, error) {
		raw, err := json.Marshal(value)
		if err != nil {
			return false, err
		}
		fields[key] = raw
		return true, nil
	})
}

// Delete removes the secret key of doctype; a missing one gives an error
// wrapping ErrSecretNotFound.
func (s StoreSecrets) Delete(ctx context.Context, doctype, key string) error {
	return s.update(ctx, doctype, func(fields map[string]json.RawMessage) (bool, error) {
		if _, ok := fields[key]; !ok || strings.HasPrefix(key, "_") {
			return false, fmt.Errorf("%w: %s has no secret %q", ErrSecretNotFound, doctype, abbreviate(key))
		}
		delete(fields, key)
		return true, nil
	})
}

// update applies change to the record of doctype and writes it, retrying
// when another writer got there first.
func (s StoreSecrets) update(ctx context.Context, doctype string, change func(map[string]json.RawMessage) (bool, error)) error {
	db := s.Store.DB(SecretsDoctype)
	for range maxSecretRetries {
		fields, rev, err := s.secretsDoc(ctx, doctype)
		if err != nil {
			return err
		}
		if ok, err := change(fields); err != nil || !ok {
			return err
		}
		delete(fields, "_id")
		delete(fields, "_rev")
		body, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("remote: encode secrets of %s: %w", doctype, err)
		}
		_, err = db.Put(ctx, store.Doc{ID: doctype, Rev: rev, Body: body}, store.PutOptions{})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("remote: write secrets of %s: %w", doctype, err)
		}
		return nil
	}
	return fmt.Errorf("remote: write secrets of %s: %w (too many concurrent updates)", doctype, store.ErrConflict)
}

// StoreLogger is a Logger writing each record as a RequestLogDoctype
// document of an instance's document store, with a generated id.
type StoreLogger struct {
	// Store is the instance's document store.
	Store store.Store
}

// Log implements Logger.
func (l StoreLogger) Log(ctx context.Context, rec RequestLog) error {
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("remote: encode request record: %w", err)
	}
	if _, err := l.Store.DB(RequestLogDoctype).Put(ctx, store.Doc{Body: body}, store.PutOptions{}); err != nil {
		return fmt.Errorf("remote: write request record: %w", err)
	}
	return nil
}
