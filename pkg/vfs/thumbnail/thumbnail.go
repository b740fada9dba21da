package thumbnail

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders
	"image/jpeg"
	_ "image/png"
	"io"
)

// Format is a thumbnail size.
type Format struct {
	Name          string
	Width, Height int
	Crop          bool // fill the box and crop (tiny), else fit inside
}

// Formats are upstream's thumbnail sizes.
var Formats = []Format{
	{"tiny", 96, 96, true},
	{"small", 640, 480, false},
	{"medium", 1280, 720, false},
	{"large", 1920, 1080, false},
}

// FormatByName returns a format by its name.
func FormatByName(name string) (Format, bool) {
	for _, f := range Formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// MaxPixels bounds the images decoded (about 200 MB of RGBA).
const MaxPixels = 50_000_000

// ErrTooLarge means the image has more than MaxPixels pixels.
var ErrTooLarge = errors.New("thumbnail: image too large")

// Decode reads an image, refusing those above MaxPixels before decoding
// them. open must return the content from its start each time.
func Decode(open func() (io.ReadCloser, error)) (image.Image, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(r)
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return nil, ErrTooLarge
	}
	if r, err = open(); err != nil {
		return nil, err
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	return img, nil
}

// Make scales img (shown with the EXIF orientation) to format f and writes
// it as JPEG.
func Make(w io.Writer, img image.Image, orientation int, f Format) error {
	img = Orient(img, orientation)
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw == 0 || sh == 0 {
		return errors.New("thumbnail: empty image")
	}
	var dw, dh int
	src := b
	if f.Crop {
		// Crop the largest centred rectangle of the box's aspect.
		side := min(sw, sh)
		x0, y0 := b.Min.X+(sw-side)/2, b.Min.Y+(sh-side)/2
		src = image.Rect(x0, y0, x0+side, y0+side)
		dw, dh = min(f.Width, side), min(f.Height, side)
	} else {
		scale := min(float64(f.Width)/float64(sw), float64(f.Height)/float64(sh), 1)
		dw, dh = max(1, int(float64(sw)*scale+0.5)), max(1, int(float64(sh)*scale+0.5))
	}
	return jpeg.Encode(w, resize(img, src, dw, dh), &jpeg.Options{Quality: 82})
}

// resize averages the source pixels falling in each destination pixel (a
// box filter: right for downscaling, which is all thumbnails do).
func resize(img image.Image, src image.Rectangle, dw, dh int) *image.RGBA {
	rgba := toRGBA(img)
	src = src.Sub(img.Bounds().Min)
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	sw, sh := src.Dx(), src.Dy()
	for y := 0; y < dh; y++ {
		y0 := src.Min.Y + y*sh/dh
		y1 := max(src.Min.Y+(y+1)*sh/dh, y0+1)
		for x := 0; x < dw; x++ {
			x0 := src.Min.X + x*sw/dw
			x1 := max(src.Min.X+(x+1)*sw/dw, x0+1)
			var r, g, bl, a, n uint32
			for sy := y0; sy < y1; sy++ {
				row := rgba.Pix[(sy-rgba.Rect.Min.Y)*rgba.Stride:]
				for sx := x0; sx < x1; sx++ {
					p := row[(sx-rgba.Rect.Min.X)*4:]
					r, g, bl, a = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2]), a+uint32(p[3])
					n++
				}
			}
			o := out.Pix[y*out.Stride+x*4:]
			o[0], o[1], o[2], o[3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return out
}

// toRGBA returns img as an *image.RGBA whose bounds start at (0, 0).
func toRGBA(img image.Image) *image.RGBA {
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	return rgba
}

// Orient returns img as it should be shown given its EXIF orientation.
func Orient(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(out.Pix[dy*out.Stride+dx*4:dy*out.Stride+dx*4+4], row[x*4:x*4+4])
		}
	}
	return out
}
