package revtree

import (
	"encoding/binary"
	"fmt"
)

const encodingVersion = 1

// MarshalBinary encodes the tree compactly and canonically: equal trees
// encode to equal bytes.
func (t *Tree) MarshalBinary() ([]byte, error) {
	return t.AppendBinary(nil)
}

// AppendBinary appends the encoding of MarshalBinary to dst.
func (t *Tree) AppendBinary(dst []byte) ([]byte, error) {
	revs := t.Revisions()
	index := make(map[Rev]int, len(revs))
	dst = append(dst, encodingVersion)
	dst = binary.AppendUvarint(dst, uint64(len(revs)))
	for i, r := range revs {
		index[r] = i
		n := t.nodes[r]
		dst = binary.AppendUvarint(dst, uint64(r.Pos))
		dst = binary.AppendUvarint(dst, uint64(len(r.Hash)))
		dst = append(dst, r.Hash...)
		var flags byte
		if n.deleted {
			flags |= 1
		}
		if !n.parent.IsZero() {
			flags |= 2
		}
		dst = append(dst, flags)
		if !n.parent.IsZero() {
			pi, ok := index[n.parent]
			if !ok {
				return nil, fmt.Errorf("revtree: parent %s of %s not in tree", n.parent, r)
			}
			dst = binary.AppendUvarint(dst, uint64(pi))
		}
	}
	return dst, nil
}

// UnmarshalBinary decodes data produced by MarshalBinary into t.
func (t *Tree) UnmarshalBinary(data []byte) error {
	_, err := t.decode(data)
	return err
}

// Decode decodes a tree from the start of data and returns the number of
// bytes it used.
func Decode(data []byte) (*Tree, int, error) {
	t := New()
	n, err := t.decode(data)
	if err != nil {
		return nil, 0, err
	}
	return t, n, nil
}

func (t *Tree) decode(data []byte) (int, error) {
	if len(data) == 0 || data[0] != encodingVersion {
		return 0, fmt.Errorf("%w: bad version", errCorrupt)
	}
	off := 1
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(data[off:])
		if n <= 0 {
			return 0, fmt.Errorf("%w: bad varint at %d", errCorrupt, off)
		}
		off += n
		return v, nil
	}
	count, err := uv()
	if err != nil {
		return 0, err
	}
	if count > uint64(len(data)) {
		return 0, fmt.Errorf("%w: count %d too large", errCorrupt, count)
	}
	revs := make([]Rev, 0, count)
	t.nodes = make(map[Rev]node, count)
	for i := uint64(0); i < count; i++ {
		pos, err := uv()
		if err != nil {
			return 0, err
		}
		hl, err := uv()
		if err != nil {
			return 0, err
		}
		if hl == 0 || hl > MaxHashLen || off+int(hl)+1 > len(data) || pos == 0 || pos > 1<<30 {
			return 0, fmt.Errorf("%w: bad revision at %d", errCorrupt, off)
		}
		r := Rev{Pos: int(pos), Hash: string(data[off : off+int(hl)])}
		off += int(hl)
		flags := data[off]
		off++
		var nd node
		nd.deleted = flags&1 != 0
		if flags&2 != 0 {
			pi, err := uv()
			if err != nil {
				return 0, err
			}
			if pi >= uint64(len(revs)) || revs[pi].Pos != r.Pos-1 {
				return 0, fmt.Errorf("%w: bad parent of %s", errCorrupt, r)
			}
			nd.parent = revs[pi]
		}
		revs = append(revs, r)
		t.nodes[r] = nd
	}
	return off, nil
}
