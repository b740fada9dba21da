package thumbnail

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// Exif is what is read of a photo's EXIF data.
type Exif struct {
	// Orientation is the EXIF orientation, 1 (normal) to 8; 0 when absent.
	Orientation int
	// DateTime is DateTimeOriginal (or DateTime), in the photo's local time
	// read as UTC as upstream does; zero when absent.
	DateTime time.Time
}

// ErrNoExif means the data has no readable EXIF block.
var ErrNoExif = errors.New("thumbnail: no EXIF data")

// ReadExif reads the EXIF block of a JPEG from its first 128 KiB.
func ReadExif(r io.Reader) (Exif, error) {
	head := make([]byte, 128<<10)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Exif{}, err
	}
	head = head[:n]
	if len(head) < 4 || head[0] != 0xFF || head[1] != 0xD8 {
		return Exif{}, ErrNoExif
	}
	for i := 2; i+4 <= len(head); {
		if head[i] != 0xFF {
			return Exif{}, ErrNoExif
		}
		marker := head[i+1]
		size := int(binary.BigEndian.Uint16(head[i+2:]))
		if marker == 0xDA || size < 2 || i+2+size > len(head) { // start of scan
			return Exif{}, ErrNoExif
		}
		seg := head[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return parseTIFF(seg[6:])
		}
		i += 2 + size
	}
	return Exif{}, ErrNoExif
}

func parseTIFF(t []byte) (Exif, error) {
	if len(t) < 8 {
		return Exif{}, ErrNoExif
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return Exif{}, ErrNoExif
	}
	var ex Exif
	var dateTime, original string
	var exifIFD uint32
	readIFD := func(off uint32, visit func(tag, typ uint16, count, value uint32, raw []byte)) {
		if int(off)+2 > len(t) {
			return
		}
		n := int(bo.Uint16(t[off:]))
		for k := 0; k < n; k++ {
			e := int(off) + 2 + 12*k
			if e+12 > len(t) {
				return
			}
			visit(bo.Uint16(t[e:]), bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:]), bo.Uint32(t[e+8:]), t[e+8:e+12])
		}
	}
	ascii := func(count, value uint32, raw []byte) string {
		var b []byte
		if count <= 4 {
			b = raw[:count]
		} else if int(value)+int(count) <= len(t) {
			b = t[value : value+count]
		}
		return string(bytes.TrimRight(b, "\x00 "))
	}
	readIFD(bo.Uint32(t[4:]), func(tag, typ uint16, count, value uint32, raw []byte) {
		switch tag {
		case 0x0112:
			ex.Orientation = int(bo.Uint16(raw))
		case 0x0132:
			dateTime = ascii(count, value, raw)
		case 0x8769:
			exifIFD = value
		}
	})
	if exifIFD != 0 {
		readIFD(exifIFD, func(tag, typ uint16, count, value uint32, raw []byte) {
			if tag == 0x9003 {
				original = ascii(count, value, raw)
			}
		})
	}
	for _, s := range []string{original, dateTime} {
		if d, err := time.Parse("2006:01:02 15:04:05", s); err == nil {
			ex.DateTime = d
			break
		}
	}
	if ex.Orientation < 0 || ex.Orientation > 8 {
		ex.Orientation = 0
	}
	return ex, nil
}
