package remote

import (
	"context"
	"time"
)

// RequestLogDoctype is the doctype of the request records.
const RequestLogDoctype = "io.cozy.remote.requests"

// RequestLog is one io.cozy.remote.requests record, shaped like upstream's
// document (doctype, verb, url, response_code, content_type, variables,
// created_at) plus the calling app and, for refused or failed calls, the
// error. URL has secrets replaced by Redacted; Variables are the caller's
// parameters, including the ones no variable used (comments).
type RequestLog struct {
	Doctype      string            `json:"doctype"`
	Verb         string            `json:"verb"`
	URL          string            `json:"url"`
	ResponseCode int               `json:"response_code,omitempty"`
	ContentType  string            `json:"content_type,omitempty"`
	Variables    map[string]string `json:"variables"`
	App          string            `json:"app,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	Error        string            `json:"error,omitempty"`
}

// Logger stores request records; the instance layer implements it (as
// documents of RequestLogDoctype). Proxy calls it for every call, refused
// ones included, and withholds the response when it fails.
type Logger interface {
	Log(ctx context.Context, rec RequestLog) error
}

// LoggerFunc adapts a function to Logger.
type LoggerFunc func(ctx context.Context, rec RequestLog) error

// Log implements Logger.
func (f LoggerFunc) Log(ctx context.Context, rec RequestLog) error { return f(ctx, rec) }
