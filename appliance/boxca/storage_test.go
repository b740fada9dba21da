package boxca

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"
)

// memStorage is a Storage in memory, counting writes.
type memStorage struct {
	mu     sync.Mutex
	data   map[string][]byte
	writes int
	fail   error // returned by Store when set
}

func newMemStorage() *memStorage { return &memStorage{data: map[string][]byte{}} }

// Load returns a copy of key's value or fs.ErrNotExist.
func (m *memStorage) Load(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[key]
	if !ok {
		return nil, fmt.Errorf("load %s: %w", key, fs.ErrNotExist)
	}
	return append([]byte(nil), v...), nil
}

// Store keeps a copy of value under key.
func (m *memStorage) Store(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.writes++
	m.data[key] = append([]byte(nil), value...)
	return nil
}

func TestMemStorageIsAStorage(t *testing.T) {
	var s Storage = newMemStorage()
	if _, err := s.Load(context.Background(), rootCertKey); err == nil {
		t.Fatal("empty storage loaded a key")
	}
}
