package files_test

import (
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
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
			ID         string            `json:"id"`
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
	// The VFS's queue makes them after the upload, before anyone asks.
	thumbs := filepath.Join(e.Instances.Dir(e.Inst), "files", "thumbs")
	webtest.WaitFor(t, 10*time.Second, "thumbnails made in the background", func() bool {
		n := 0
		filepath.WalkDir(thumbs, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jpg") {
				n++
			}
			return nil
		})
		return n == 4
	})
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
	other := strings.Replace(small, "/files/"+r.Data.ID+"/", "/files/"+r.Data.ID+"0/", 1)
	jsonAPI := map[string]string{"Content-Type": "application/vnd.api+json"}
	e.Run(t, []webtest.Scenario{
		{Name: "bad secret", Method: "GET", URL: bad, ExpectedStatus: 400, ExpectedHeaders: jsonAPI, ExpectedContent: []string{"invalid link"}},
		{Name: "secret of another id", Method: "GET", URL: other, ExpectedStatus: 400, ExpectedHeaders: jsonAPI},
		{Name: "unknown format", Method: "GET", URL: strings.TrimSuffix(small, "small") + "huge", ExpectedStatus: 404, ExpectedHeaders: jsonAPI},
		{Name: "another format", Method: "GET", URL: strings.TrimSuffix(small, "small") + "large", ExpectedStatus: 200,
			ExpectedHeaders: map[string]string{"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff"}},
	})
}
