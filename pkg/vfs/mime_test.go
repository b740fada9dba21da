package vfs

import "testing"

func TestMimeAndClass(t *testing.T) {
	tests := []struct {
		name, ct, mime, class string
	}{
		{"a.txt", "text/plain; charset=utf-8", "text/plain", "text"},
		{"a.jpg", "", "image/jpeg", "image"},
		{"a.JPG", "application/octet-stream", "image/jpeg", "image"},
		{"a.pdf", "", "application/pdf", "pdf"},
		{"a.mp4", "", "video/mp4", "video"},
		{"a.zip", "", "application/zip", "zip"},
		{"a.json", "", "application/json", "code"},
		{"noext", "", "application/octet-stream", "files"},
		{"a.url", "application/internet-shortcut", "application/internet-shortcut", "shortcut"},
	}
	for _, tt := range tests {
		m, c := MimeAndClass(tt.name, tt.ct)
		if m != tt.mime || c != tt.class {
			t.Errorf("MimeAndClass(%q, %q) = %q, %q; want %q, %q", tt.name, tt.ct, m, c, tt.mime, tt.class)
		}
	}
}

func TestConflictAndCopyNames(t *testing.T) {
	tests := []struct{ in, conflict, copy string }{
		{"a.txt", "a (2).txt", "a (copy).txt"},
		{".bashrc", ".bashrc (2)", ".bashrc (copy)"},
		{"dir", "dir (2)", "dir (copy)"},
	}
	for _, tt := range tests {
		if got := ConflictName(tt.in, 2); got != tt.conflict {
			t.Errorf("ConflictName(%q) = %q", tt.in, got)
		}
		if got := CopyName(tt.in); got != tt.copy {
			t.Errorf("CopyName(%q) = %q", tt.in, got)
		}
	}
}
