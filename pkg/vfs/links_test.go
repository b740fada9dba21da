package vfs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDownloadSecret(t *testing.T) {
	key, other := []byte("instance secret"), []byte("another instance")
	now := time.Unix(1_700_000_000, 0)
	s := DownloadSecret(key, "file-1", now.Add(DownloadLinkTTL))
	tests := map[string]struct {
		key    []byte
		secret string
		at     time.Time
		want   error
	}{
		"valid":             {key, s, now, nil},
		"valid at expiry":   {key, s, now.Add(DownloadLinkTTL), nil},
		"expired":           {key, s, now.Add(DownloadLinkTTL + time.Second), ErrExpiredLink},
		"other instance":    {other, s, now, ErrInvalidLink},
		"no mac":            {key, strings.Split(s, ".")[0], now, ErrInvalidLink},
		"tampered payload":  {key, "Zm9v" + s[4:], now, ErrInvalidLink},
		"not base64":        {key, "!!.!!", now, ErrInvalidLink},
		"empty":             {key, "", now, ErrInvalidLink},
		"mac of other file": {key, strings.Split(DownloadSecret(key, "file-2", now.Add(time.Hour)), ".")[0] + "." + strings.Split(s, ".")[1], now, ErrInvalidLink},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			id, err := CheckDownloadSecret(tt.key, tt.secret, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil && id != "file-1") {
				t.Fatalf("CheckDownloadSecret: %q, %v; want file-1, %v", id, err, tt.want)
			}
		})
	}
}

func TestThumbSecret(t *testing.T) {
	key := []byte("instance secret")
	s := ThumbSecret(key, "file-1")
	if err := CheckThumbSecret(key, "file-1", s); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ key, id, secret string }{
		{"instance secret", "file-2", s},
		{"another", "file-1", s},
		{"instance secret", "file-1", s[:len(s)-1]},
		{"instance secret", "file-1", ""},
	} {
		if err := CheckThumbSecret([]byte(bad.key), bad.id, bad.secret); !errors.Is(err, ErrInvalidLink) {
			t.Errorf("%+v: %v, want ErrInvalidLink", bad, err)
		}
	}
}
