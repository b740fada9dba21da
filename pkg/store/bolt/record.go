package bolt

import (
	"encoding/binary"
	"fmt"

	"github.com/cozypi/cozy/pkg/revtree"
)

// record is what the docs bucket holds for one document.
type record struct {
	seq    uint64
	tree   *revtree.Tree
	bodies map[revtree.Rev][]byte // leaf revision -> compact JSON fields
}

// Encoding: uvarint seq, winner deleted flag (1 byte), uvarint length and
// winner rev, the revision tree, then the leaf bodies. The winner is kept up
// front so that listings (_changes, _all_docs without docs) can read it
// without decoding the tree (see peekWinner).
func (r *record) encode() ([]byte, error) {
	buf := binary.AppendUvarint(nil, r.seq)
	w, _ := r.tree.Winner()
	if w.Deleted {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	ws := w.Rev.String()
	buf = binary.AppendUvarint(buf, uint64(len(ws)))
	buf = append(buf, ws...)
	buf, err := r.tree.AppendBinary(buf)
	if err != nil {
		return nil, err
	}
	buf = binary.AppendUvarint(buf, uint64(len(r.bodies)))
	for _, rev := range r.tree.Revisions() { // canonical order
		body, ok := r.bodies[rev]
		if !ok {
			continue
		}
		s := rev.String()
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
		buf = binary.AppendUvarint(buf, uint64(len(body)))
		buf = append(buf, body...)
	}
	return buf, nil
}

// peekWinner reads a record's sequence and winning revision cheaply.
func peekWinner(data []byte) (seq uint64, rev string, deleted bool, off int, err error) {
	seq, n := binary.Uvarint(data)
	if n <= 0 || n >= len(data) {
		return 0, "", false, 0, fmt.Errorf("decode record: bad seq")
	}
	deleted = data[n] == 1
	off = n + 1
	l, n := binary.Uvarint(data[off:])
	if n <= 0 || off+n+int(l) > len(data) {
		return 0, "", false, 0, fmt.Errorf("decode record: bad winner")
	}
	off += n
	rev = string(data[off : off+int(l)])
	return seq, rev, deleted, off + int(l), nil
}

func decodeRecord(data []byte) (*record, error) {
	seq, _, _, off, err := peekWinner(data)
	if err != nil {
		return nil, err
	}
	tree, tn, err := revtree.Decode(data[off:])
	if err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	off += tn
	count, n := binary.Uvarint(data[off:])
	if n <= 0 || count > uint64(len(data)) {
		return nil, fmt.Errorf("decode record: bad body count")
	}
	off += n
	r := &record{seq: seq, tree: tree, bodies: make(map[revtree.Rev][]byte, count)}
	for i := uint64(0); i < count; i++ {
		l, n := binary.Uvarint(data[off:])
		if n <= 0 || off+n+int(l) > len(data) {
			return nil, fmt.Errorf("decode record: bad rev")
		}
		off += n
		rev, err := revtree.ParseRev(string(data[off : off+int(l)]))
		if err != nil {
			return nil, fmt.Errorf("decode record: %w", err)
		}
		off += int(l)
		l, n = binary.Uvarint(data[off:])
		if n <= 0 || off+n+int(l) > len(data) {
			return nil, fmt.Errorf("decode record: bad body")
		}
		off += n
		r.bodies[rev] = append([]byte(nil), data[off:off+int(l)]...)
		off += int(l)
	}
	return r, nil
}

// winner returns the winning leaf and its body.
func (r *record) winner() (revtree.Leaf, []byte) {
	w, _ := r.tree.Winner()
	return w, r.bodies[w.Rev]
}
