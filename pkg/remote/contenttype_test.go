package remote

import (
	"errors"
	"testing"
)

func TestCheckContentType(t *testing.T) {
	tests := []struct {
		ct string
		ok bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"text/json", true},
		{"application/ld+json", true},
		{"application/sparql-results+json", true},
		{"application/xml", true},
		{"text/xml; charset=iso-8859-1", true},
		{"application/atom+xml", true},
		{"image/png", true},
		{"image/jpeg", true},
		{"image/svg+xml", true},
		{"", false},
		{"text/html", false},
		{"text/html; charset=utf-8", false},
		{"application/javascript", false},
		{"text/javascript", false},
		{"text/plain", false},
		{"application/octet-stream", false},
		{"application/xhtml+xml-not", false},
		{"image/", false},
		{"image", false},
		{"json", false},
		{"application/json;;", false},
		{"multipart/mixed; boundary=x", false},
	}
	for _, tt := range tests {
		err := CheckContentType(tt.ct)
		if (err == nil) != tt.ok {
			t.Errorf("CheckContentType(%q) = %v, want ok=%v", tt.ct, err, tt.ok)
		}
		if err != nil {
			var ce *ContentTypeError
			if !errors.As(err, &ce) || ce.ContentType != tt.ct || !errors.Is(err, ErrInvalidContentType) {
				t.Errorf("CheckContentType(%q) error %v is not a ContentTypeError", tt.ct, err)
			}
		}
	}
}
