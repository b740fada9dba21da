package boxca

import "context"

// Storage keeps the CA's root certificate and key. Load returns an error
// matching fs.ErrNotExist (errors.Is) for a missing key. certmagic.Storage
// has these two methods, so the box's certmagic store (bbolt) serves here too.
type Storage interface {
	Load(ctx context.Context, key string) ([]byte, error)
	Store(ctx context.Context, key string, value []byte) error
}

// Keys under which the CA is stored.
const (
	rootCertKey = "boxca/root.crt"
	rootKeyKey  = "boxca/root.key"
)
