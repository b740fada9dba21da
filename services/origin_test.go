package services

import (
	"net/url"
	"strings"
	"testing"
)

func TestOriginOf(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "https://Alice.Example.NET/path?q=1", want: "https://alice.example.net"},
		{in: "https://alice.example.net:443/", want: "https://alice.example.net"},
		{in: "http://127.0.0.1:80", want: "http://127.0.0.1"},
		{in: "http://127.0.0.1:8080/x", want: "http://127.0.0.1:8080"},
		{in: "http://[::1]:8080", want: "http://[::1]:8080"},
		{in: "http://[::1]", want: "http://[::1]"},
		{in: "ftp://example.net", err: "scheme must be http or https"},
		{in: "/relative", err: "scheme must be http or https"},
		{in: "https://user:pw@example.net", err: "credentials in URLs are not allowed"},
		{in: "https://", err: "has no host"},
		{in: "http://%zz", err: "invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := originOf(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("originOf(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("originOf(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestOriginSetCheck(t *testing.T) {
	set := newOriginSet([]string{"https://alice.example.net", "http://127.0.0.1:8080"})
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://alice.example.net/data/io.cozy.files/", true},
		{"https://ALICE.example.net:443/x", true},
		{"http://alice.example.net/x", false},
		{"https://alice.example.net:8443/x", false},
		{"https://alice-drive.example.net/x", false},
		{"https://example.net/x", false},
		{"http://127.0.0.1:8080/", true},
		{"http://127.0.0.1:8081/", false},
		{"http://localhost:8080/", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := set.check(u); (err == nil) != tt.ok {
			t.Errorf("check(%s) = %v, want allowed=%v", tt.url, err, tt.ok)
		}
	}
}
