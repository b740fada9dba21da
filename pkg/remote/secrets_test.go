package remote

import (
	"context"
	"errors"
	"testing"
)

func TestStaticSecrets(t *testing.T) {
	s := StaticSecrets{"cc.cozycloud.dacc": {"token": "t1"}}
	tests := []struct {
		doctype, key, want string
		err                error
	}{
		{"cc.cozycloud.dacc", "token", "t1", nil},
		{"cc.cozycloud.dacc", "other", "", ErrSecretNotFound},
		{"org.unknown", "token", "", ErrSecretNotFound},
	}
	for _, tt := range tests {
		got, err := s.Get(context.Background(), tt.doctype, tt.key)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("Get(%s, %s) = %q, %v; want %q, %v", tt.doctype, tt.key, got, err, tt.want, tt.err)
		}
	}
	var empty StaticSecrets
	if _, err := empty.Get(context.Background(), "a", "b"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("nil StaticSecrets error = %v", err)
	}
}

// failingSecrets is a store that cannot be read.
type failingSecrets struct{}

func (failingSecrets) Get(context.Context, string, string) (string, error) {
	return "", errors.New("store offline")
}

func TestProxySecretStoreFailure(t *testing.T) {
	f := newProxyFixture(t)
	f.proxy.secrets = failingSecrets{}
	_, err := f.proxy.Do(context.Background(), Call{Doctype: "org.test.search", Method: "GET", Params: map[string]string{"q": "x"}})
	if err == nil || errors.Is(err, ErrMissingVariable) || HTTPStatus(err) != 500 {
		t.Fatalf("error = %v, want an internal error", err)
	}
	if _, n := f.rec.get(); n != 0 {
		t.Errorf("request sent without its secret")
	}
	if f.log.last(t).Error == "" {
		t.Error("failure not logged")
	}
}
