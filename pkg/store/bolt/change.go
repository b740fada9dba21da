package bolt

import "github.com/cozypi/cozy/pkg/store"

// winnerChange is a document's winner before and after a write, decoded
// at most once for everything derived from it (Mango indexes, views).
type winnerChange struct {
	id       string
	old, new *store.Doc

	decoded      bool
	oldM, newM   map[string]any // nil when absent or deleted
	decodeFailed error
}

// maps returns the old and new winners decoded (nil for none or deleted).
func (c *winnerChange) maps() (oldM, newM map[string]any, err error) {
	if !c.decoded {
		c.decoded = true
		if c.oldM, c.decodeFailed = decodeLive(c.old); c.decodeFailed == nil {
			c.newM, c.decodeFailed = decodeLive(c.new)
		}
	}
	return c.oldM, c.newM, c.decodeFailed
}

func decodeLive(doc *store.Doc) (map[string]any, error) {
	if doc == nil || doc.Deleted {
		return nil, nil
	}
	return store.DecodeDoc(doc.Body)
}
