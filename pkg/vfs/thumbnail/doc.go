// Package thumbnail makes the thumbnails of photos in pure Go (no
// ImageMagick) and reads what the VFS needs of their EXIF data: the
// orientation, applied to thumbnails, and the date the photo was taken.
//
// Formats are upstream's: tiny (96x96, cropped square), small (640x480),
// medium (1280x720) and large (1920x1080), the last three fitting inside
// their box without enlarging. Output is JPEG. Decoding needs the whole
// image in memory (4 bytes a pixel), so images above MaxPixels are refused.
// JPEG, PNG and GIF are read; other formats (HEIC, WebP) are not.
package thumbnail
