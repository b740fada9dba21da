package thumbnail

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"io"
	"testing"
)

func TestMakeHonoursOrientationAndSizes(t *testing.T) {
	src := twoColours(400, 200) // landscape, red left, blue right
	tests := []struct {
		format      string
		orientation int
		w, h        int
		topIsRed    bool // after a 90° turn, red is on top
	}{
		{"tiny", 1, 96, 96, false},
		{"small", 1, 400, 200, false}, // never enlarged
		{"small", 6, 200, 400, true},
		{"tiny", 6, 96, 96, true},
	}
	for _, tt := range tests {
		f, _ := FormatByName(tt.format)
		var out bytes.Buffer
		if err := Make(&out, src, tt.orientation, f); err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(&out)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("%s/%d: %dx%d, want %dx%d", tt.format, tt.orientation, b.Dx(), b.Dy(), tt.w, tt.h)
		}
		if tt.topIsRed {
			r, _, bl, _ := img.At(b.Dx()/2, 2).RGBA()
			if r < bl {
				t.Errorf("%s/%d: top is not red", tt.format, tt.orientation)
			}
		}
	}
	large, _ := FormatByName("large")
	big := image.NewRGBA(image.Rect(0, 0, 4000, 1000))
	var out bytes.Buffer
	if err := Make(&out, big, 1, large); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := jpeg.DecodeConfig(&out); cfg.Width != 1920 || cfg.Height != 480 {
		t.Fatalf("large: %dx%d", cfg.Width, cfg.Height)
	}
}

func TestDecodeRefusesHugeAndBadImages(t *testing.T) {
	data := exifJPEG(t, twoColours(8, 8), 1, "2021:01:01 00:00:00", binary.BigEndian)
	open := func(b []byte) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	if _, err := Decode(open(data)); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if _, err := Decode(open([]byte("nope"))); err == nil {
		t.Fatal("decoded garbage")
	}
	// A PNG header claiming 10000x10000 pixels.
	ihdr := []byte("IHDR\x00\x00\x27\x10\x00\x00\x27\x10\x08\x06\x00\x00\x00")
	huge := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(ihdr))
	if _, err := Decode(open(huge)); err != ErrTooLarge {
		t.Fatalf("huge image: %v", err)
	}
}

func BenchmarkMakeSmall12MP(b *testing.B) {
	src := twoColours(4000, 3000)
	f, _ := FormatByName("small")
	for i := 0; i < b.N; i++ {
		if err := Make(io.Discard, src, 6, f); err != nil {
			b.Fatal(err)
		}
	}
}
