package files_test

import (
	"image/jpeg"
	"os"
	"strings"
	"testing"
)

func TestThumbnailLinks(t *testing.T) {
	e := newEnv(t, 0)
	photo, err := os.ReadFile("testdata/photo-exif.jpg") // 64x32, EXIF orientation 6, taken 2019-05-04
	if err != nil {
		t.Fatal(err)
	}
	code, _, b := e.do("POST", "/files/?Type=file&Name=p.jpg", strings.NewReader(string(photo)), map[string]string{"Content-Type": "image/jpeg"})
	if code != 201 {
		t.Fatalf("upload: %d %s", code, b)
	}
	var r struct {
		Data struct {
			Attributes map[string]any    `json:"attributes"`
			Links      map[string]string `json:"links"`
		} `json:"data"`
	}
	if err := jsonUnmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Data.Attributes["created_at"] != "2019-05-04T12:34:56Z" {
		t.Fatalf("created_at from EXIF: %v", r.Data.Attributes["created_at"])
	}
	small := r.Data.Links["small"]
	if small == "" || r.Data.Links["tiny"] == "" {
		t.Fatalf("no thumbnail links: %s", b)
	}
	e.token = "" // thumbnails are fetched by <img> tags, without a token
	code, h, body := e.do("GET", small, nil, nil)
	if code != 200 || h.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %v", code, h)
	}
	cfg, err := jpeg.DecodeConfig(strings.NewReader(string(body)))
	if err != nil || cfg.Width != 32 || cfg.Height != 64 {
		t.Fatalf("thumbnail %dx%d %v, want 32x64 (upright)", cfg.Width, cfg.Height, err)
	}
	bad := strings.Replace(small, "/thumbnails/", "/thumbnails/0", 1)
	if code, _, _ = e.do("GET", bad, nil, nil); code != 400 {
		t.Fatalf("bad secret: %d", code)
	}
	if code, _, _ = e.do("GET", strings.TrimSuffix(small, "small")+"huge", nil, nil); code != 404 {
		t.Fatalf("unknown format: %d", code)
	}
}
