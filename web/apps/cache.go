package apps

import (
	"mime"
	"path"
	"strings"
)

// Cache-Control values.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheNever      = "private, no-store"
)

// HasHash reports whether a file name carries a unique identifier: a
// part of the base name, between dots, of at least 10 hexadecimal
// characters ("app.badf00dbadf00d.js", "icon.badbeefbadbeef.1.png").
func HasHash(name string) bool {
	parts := strings.Split(path.Base(name), ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if len(p) >= 10 && isHex(p) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// CacheControl returns the Cache-Control of a file of an app.
func CacheControl(name string, index bool) string {
	switch {
	case index:
		return cacheNever
	case HasHash(name):
		return cacheImmutable
	}
	return cacheRevalidate
}

// contentTypes fixes or completes what mime knows.
var contentTypes = map[string]string{
	".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
	".json": "application/json", ".webapp": "application/json", ".konnector": "application/json",
	".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
	".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
	".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
	".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".xml": "application/xml",
	".wasm": "application/wasm", ".webmanifest": "application/manifest+json",
}

// ContentType returns the content type of a file name.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// Compressible reports whether a content type is worth gzipping.
func Compressible(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	switch {
	case strings.HasPrefix(base, "text/"):
		return true
	case base == "application/json", base == "application/xml", base == "image/svg+xml",
		base == "application/manifest+json", base == "application/wasm":
		return true
	}
	return false
}
