package vfs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Link secrets let a browser fetch a file without a token: a download link
// (POST /files/downloads) carries the file id and an expiry MACed with the
// instance's token secret, a thumbnail link (fetched by <img> tags) a MAC
// of the file id. Nothing is stored: the MAC is the proof.

// DownloadLinkTTL is how long a download link stays valid.
const DownloadLinkTTL = 10 * time.Minute

// Errors of link secrets (400 for the client).
var (
	ErrInvalidLink = errors.New("invalid link")
	ErrExpiredLink = errors.New("expired link")
)

// DownloadSecret returns the secret of a link to file id valid until exp,
// MACed with key (the instance's token secret).
func DownloadSecret(key []byte, id string, exp time.Time) string {
	payload := id + "\n" + strconv.FormatInt(exp.Unix(), 10)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(downloadMAC(key, []byte(payload)))
}

// CheckDownloadSecret verifies a download secret at now and returns the
// file id it names.
func CheckDownloadSecret(key []byte, secret string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(secret, ".")
	payload, err1 := enc.DecodeString(p)
	sum, err2 := enc.DecodeString(m)
	if !ok || err1 != nil || err2 != nil {
		return "", fmt.Errorf("%w: malformed download secret", ErrInvalidLink)
	}
	if !hmac.Equal(sum, downloadMAC(key, payload)) {
		return "", fmt.Errorf("%w: bad download secret", ErrInvalidLink)
	}
	id, exp, _ := strings.Cut(string(payload), "\n")
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > n {
		return "", fmt.Errorf("%w: download link", ErrExpiredLink)
	}
	return id, nil
}

func downloadMAC(key, payload []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("files-download\n"))
	mac.Write(payload)
	return mac.Sum(nil)
}

// ThumbSecret is the unguessable part of file id's thumbnail links.
func ThumbSecret(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("files-thumbnail\n" + id))
	return hex.EncodeToString(mac.Sum(nil)[:12])
}

// CheckThumbSecret verifies the secret of a thumbnail link of file id.
func CheckThumbSecret(key []byte, id, secret string) error {
	if !hmac.Equal([]byte(secret), []byte(ThumbSecret(key, id))) {
		return fmt.Errorf("%w: bad thumbnail secret", ErrInvalidLink)
	}
	return nil
}
