package update

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The fields of the ext4 superblock that a slot write touches (the
// superblock is 1024 bytes at offset 1024; layout from the kernel's
// Documentation/filesystems/ext4/super.rst).
const (
	sbOffset       = 1024
	sbSize         = 1024
	sbMagic        = 0x38  // le16 0xEF53
	sbROCompat     = 0x64  // le32 feature_ro_compat
	sbVolumeName   = 0x78  // char[16]
	sbChecksum     = 0x3FC // le32 crc32c of the bytes before it
	ext4Magic      = 0xEF53
	roMetadataCsum = 0x400
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errNotExt4 is the error of a root image without an ext4 superblock.
var errNotExt4 = errors.New("not an ext4 image")

func readSuperblock(r io.ReaderAt) ([]byte, error) {
	sb := make([]byte, sbSize)
	if _, err := r.ReadAt(sb, sbOffset); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errNotExt4
		}
		return nil, err
	}
	if binary.LittleEndian.Uint16(sb[sbMagic:]) != ext4Magic {
		return nil, errNotExt4
	}
	return sb, nil
}

// checkExt4 refuses a file without an ext4 superblock.
func checkExt4(r io.ReaderAt) error {
	_, err := readSuperblock(r)
	return err
}

// ext4Label reads the volume label of an ext4 file system.
func ext4Label(r io.ReaderAt) (string, error) {
	sb, err := readSuperblock(r)
	if err != nil {
		return "", err
	}
	name := sb[sbVolumeName : sbVolumeName+16]
	for i, c := range name {
		if c == 0 {
			return string(name[:i]), nil
		}
	}
	return string(name), nil
}

// setExt4Label writes label into the primary superblock of the ext4 file
// system of rw, with its checksum when the file system has metadata
// checksums: a written slot must carry its own slot's label, since the
// initramfs mounts root=LABEL=cozy-root-X. The backup superblocks keep
// the old label, as with e2label; only fsck reads them.
func setExt4Label(rw interface {
	io.ReaderAt
	io.WriterAt
}, label string) error {
	if len(label) > 16 {
		return fmt.Errorf("ext4 label %q longer than 16 bytes", label)
	}
	sb, err := readSuperblock(rw)
	if err != nil {
		return err
	}
	name := sb[sbVolumeName : sbVolumeName+16]
	clear(name)
	copy(name, label)
	if binary.LittleEndian.Uint32(sb[sbROCompat:])&roMetadataCsum != 0 {
		// The kernel's ext4_superblock_csum: crc32c seeded with ~0, not
		// inverted at the end; Go's Checksum inverts both ways.
		binary.LittleEndian.PutUint32(sb[sbChecksum:], ^crc32.Checksum(sb[:sbChecksum], castagnoli))
	}
	if _, err := rw.WriteAt(sb, sbOffset); err != nil {
		return err
	}
	return nil
}
