package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"
)

// exifJPEG encodes img as a JPEG carrying an EXIF block with the given
// orientation and DateTimeOriginal (little or big endian).
func exifJPEG(t testing.TB, img image.Image, orientation int, date string, bo binary.ByteOrder) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF: header, IFD0 (orientation, ExifIFD pointer), ExifIFD (date).
	var tiff bytes.Buffer
	if bo == binary.LittleEndian {
		tiff.WriteString("II")
	} else {
		tiff.WriteString("MM")
	}
	w := func(v any) { binary.Write(&tiff, bo, v) }
	w(uint16(42))
	w(uint32(8))
	// IFD0 at 8: 2 entries, then next-IFD 0; ExifIFD at 8+2+24+4 = 38.
	w(uint16(2))
	w(uint16(0x0112))
	w(uint16(3))
	w(uint32(1))
	w(uint16(orientation))
	w(uint16(0))
	w(uint16(0x8769))
	w(uint16(4))
	w(uint32(1))
	w(uint32(38))
	w(uint32(0))
	// ExifIFD at 38: 1 entry; the string follows at 38+2+12+4 = 56.
	w(uint16(1))
	w(uint16(0x9003))
	w(uint16(2))
	w(uint32(len(date) + 1))
	w(uint32(56))
	w(uint32(0))
	tiff.WriteString(date + "\x00")
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write([]byte{0xFF, 0xD8, 0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(enc.Bytes()[2:])
	return out.Bytes()
}

// twoColours is w x h, red on its left half and blue on its right half.
func twoColours(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func TestReadExif(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		data := exifJPEG(t, twoColours(40, 20), 6, "2021:07:14 10:20:30", bo)
		ex, err := ReadExif(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2021, 7, 14, 10, 20, 30, 0, time.UTC)
		if ex.Orientation != 6 || !ex.DateTime.Equal(want) {
			t.Fatalf("%v: got %+v", bo, ex)
		}
	}
	var plain bytes.Buffer
	jpeg.Encode(&plain, twoColours(4, 4), nil)
	for _, data := range [][]byte{plain.Bytes(), []byte("not an image"), nil} {
		if _, err := ReadExif(bytes.NewReader(data)); err != ErrNoExif {
			t.Fatalf("no EXIF: %v", err)
		}
	}
}
