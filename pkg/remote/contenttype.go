package remote

import (
	"mime"
	"strings"
)

// CheckContentType accepts the response content-types upstream lets through:
// images (image/*), JSON (application/json, text/json, any +json) and XML
// (application/xml, text/xml, any +xml). Anything else, a missing or an
// unparsable value gives a *ContentTypeError (errors.Is ErrInvalidContentType).
//
// SVG (image/svg+xml) and XML may carry scripts when a browser renders them
// as a document: the web layer should serve proxied bodies with
// "X-Content-Type-Options: nosniff" and "Content-Security-Policy: sandbox".
func CheckContentType(contentType string) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return &ContentTypeError{ContentType: contentType}
	}
	typ, sub, _ := strings.Cut(mt, "/")
	switch {
	case typ == "image" && sub != "":
		return nil
	case (typ == "application" || typ == "text") && (sub == "json" || sub == "xml"):
		return nil
	case typ == "application" && (strings.HasSuffix(sub, "+json") || strings.HasSuffix(sub, "+xml")):
		return nil
	}
	return &ContentTypeError{ContentType: contentType}
}
