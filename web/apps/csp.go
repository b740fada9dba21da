package apps

import "strings"

// CSP returns the Content-Security-Policy of an app: its own origin,
// the instance's origin for the API and the stack's assets, nothing else.
// Inline scripts are allowed because the index template injects values;
// the app cannot be framed by other origins than the instance.
func CSP(instOrigin string) string {
	ws := strings.Replace(strings.Replace(instOrigin, "https://", "wss://", 1), "http://", "ws://", 1)
	directives := []string{
		"default-src 'self' " + instOrigin,
		"script-src 'self' 'unsafe-inline' " + instOrigin,
		"style-src 'self' 'unsafe-inline' " + instOrigin,
		"img-src 'self' data: blob: " + instOrigin,
		"font-src 'self' data: " + instOrigin,
		"connect-src 'self' " + instOrigin + " " + ws,
		"media-src 'self' blob: " + instOrigin,
		"worker-src 'self' blob:",
		"frame-src 'self' " + instOrigin,
		"frame-ancestors 'self' " + instOrigin,
		"form-action 'self' " + instOrigin,
		"base-uri 'self'",
		"object-src 'none'",
	}
	return strings.Join(directives, "; ")
}
