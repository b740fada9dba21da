package vfs

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"hello.txt", "hello.txt", true},
		{"e\u0301te\u0301", "\u00e9t\u00e9", true},
		{"", "", false}, {".", "", false}, {"..", "", false}, {"a/b", "", false},
		{"a\x00b", "", false}, {"tab\there", "", false}, {strings.Repeat("a", 256), "", false},
		{"..hidden", "..hidden", true},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestNFDClash(t *testing.T) {
	fs := newFS(t, 0)
	put1(t, fs, "", "\u00e9t\u00e9.txt", "x")
	_, err := fs.CreateFile(context.Background(), FileOptions{Name: "e\u0301te\u0301.txt", Size: 1}, strings.NewReader("y"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("NFD name of an NFC one: %v, want ErrExists", err)
	}
	if _, err := fs.GetByPath(context.Background(), "/e\u0301te\u0301.txt"); err != nil {
		t.Fatalf("lookup by NFD path: %v", err)
	}
}
