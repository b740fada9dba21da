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
		ext := strings.ToLower(path.Ext(name))
		if known, ok := extTypes[ext]; ok {
			m = known
		} else if byExt := mime.TypeByExtension(ext); byExt != "" {
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

// extTypes are the types of common extensions, so that the answer does not
// depend on the host's /etc/mime.types.
var extTypes = map[string]string{
	".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".heic": "image/heic", ".svg": "image/svg+xml",
	".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".flac": "audio/flac", ".m4a": "audio/mp4",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm", ".mkv": "video/x-matroska",
	".pdf": "application/pdf", ".zip": "application/zip", ".gz": "application/gzip", ".tar": "application/x-tar",
	".json": "application/json", ".js": "text/javascript", ".html": "text/html",
	".odt": "application/vnd.oasis.opendocument.text", ".ods": "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".url":  "application/internet-shortcut", ".cozy-note": "text/vnd.cozy.note+markdown",
}
