package vfs

import (
	"mime"
	"path"
	"strings"
)

// MimeAndClass returns the mime type of a file and its class (image,
// document, audio, video, text, pdf, code, slide, spreadsheet, zip, files,
// shortcut), from the declared Content-Type when it is specific, else
// from the name's extension.
func MimeAndClass(name, contentType string) (string, string) {
	m := strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0])
	if m == "" || m == "application/octet-stream" {
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(name))); byExt != "" {
			m = strings.SplitN(byExt, ";", 2)[0]
		}
	}
	if m == "" {
		m = "application/octet-stream"
	}
	m = strings.ToLower(m)
	return m, classOf(m)
}

func classOf(m string) string {
	major, minor, _ := strings.Cut(m, "/")
	switch major {
	case "image", "audio", "video":
		return major
	case "text":
		return "text"
	}
	switch {
	case minor == "pdf":
		return "pdf"
	case minor == "internet-shortcut":
		return "shortcut"
	case strings.Contains(minor, "zip"), strings.Contains(minor, "tar"), strings.Contains(minor, "compressed"):
		return "zip"
	case strings.Contains(minor, "spreadsheet"), strings.Contains(minor, "excel"):
		return "spreadsheet"
	case strings.Contains(minor, "presentation"), strings.Contains(minor, "powerpoint"):
		return "slide"
	case strings.Contains(minor, "word"), strings.Contains(minor, "document"), strings.Contains(minor, "rtf"):
		return "text"
	case minor == "json", minor == "javascript", minor == "xml", minor == "x-sh":
		return "code"
	}
	return "files"
}
