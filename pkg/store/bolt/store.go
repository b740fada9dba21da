package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cozypi/cozy/pkg/store"
)

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for the file lock; 0 means 5 s.
	Timeout time.Duration
	// Logger receives diagnostics; nil means slog.Default().
	Logger *slog.Logger
	// Bus receives events; nil means a new bus (see Store.Events).
	Bus *store.Bus
	// AttachmentsDir holds the attachment contents; "" means the store
	// file's path followed by ".attachments".
	AttachmentsDir string
}

// Store is a bbolt-backed store.Store for one instance.
type Store struct {
	// db is the open file. It changes when Shrink swaps in a rewritten
	// one: every transaction runs through viewTx or updateTx, which hold
	// swap for reading, and writes also hold writes for reading, so that
	// Shrink can pause the writes while it copies and everything while it
	// swaps.
	db      *bbolt.DB
	swap    sync.RWMutex
	write   sync.RWMutex
	bus     *store.Bus
	log     *slog.Logger
	path    string
	timeout time.Duration // of the file lock, at Open and after Shrink
	closed  bool          // under write

	commit committer
	blobs  *blobs

	mu      sync.Mutex
	waiters map[string]chan struct{}  // doctype -> closed on the next commit
	indexes sync.Map                  // raw index definition -> parsed index (cache)
	gviews  map[string][]store.GoView // doctype -> registered Go views, by name (under mu)
	jsLocks sync.Map                  // doctype + ddoc id -> *sync.Mutex serialising its index updates

	// Background work (update=lazy view updates): bgCtx ends at Close,
	// which waits for bg.
	bgCtx  context.Context
	bgStop context.CancelFunc
	bg     sync.WaitGroup
	lazy   sync.Map // doctype + ddoc id -> true while a lazy update runs

	vdu validators // validate_doc_update (validate.go)
}

var _ store.Store = (*Store)(nil)

const (
	metaBucket = "_meta"
	formatKey  = "format"
	// formatVersion 2: attachment contents are blobs (version 1 kept
	// inline data in the bodies; Open converts them, see migrate.go).
	formatVersion = 2
)

// Open opens or creates the store file at path.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	os.Remove(path + shrinkSuffix) // a Shrink cut short by a crash (the file lock is ours)
	var format uint64
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(blobBucket); err != nil {
			return err
		}
		if v := b.Get([]byte(formatKey)); v != nil {
			format = binary.BigEndian.Uint64(v)
			if format != formatVersion && format != 1 {
				return fmt.Errorf("unsupported format version %d", format)
			}
			return nil
		}
		format = formatVersion
		return b.Put([]byte(formatKey), u64(formatVersion))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, bus: opts.Bus, log: opts.Logger, path: path, timeout: timeout, waiters: map[string]chan struct{}{}, gviews: map[string][]store.GoView{}}
	s.bgCtx, s.bgStop = context.WithCancel(context.Background())
	if s.bus == nil {
		s.bus = store.NewBus()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	dir := opts.AttachmentsDir
	if dir == "" {
		dir = path + ".attachments"
	}
	s.blobs = &blobs{dir: dir, log: s.log, view: s.viewTx, pins: map[string]*blobPin{}}
	if err := s.blobs.sweep(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if format == 1 {
		if err := s.migrateInlineAttachments(); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	return s, nil
}

// DB returns the database of a doctype. An invalid doctype gives a DB whose
// methods all fail with a bad_request error.
func (s *Store) DB(doctype string) store.DB {
	return &DB{s: s, doctype: doctype, name: []byte(doctype), invalid: store.CheckDoctype(doctype)}
}

// Doctypes lists the created doctypes.
func (s *Store) Doctypes(ctx context.Context) ([]string, error) {
	var out []string
	err := s.viewTx(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if n := string(name); n != metaBucket && n != string(blobBucket) {
				out = append(out, string(name))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list doctypes: %w", err)
	}
	return out, nil
}

// Events returns the store's event bus.
func (s *Store) Events() *store.Bus { return s.bus }

// AttachmentBytes returns the bytes of the attachment contents on disk.
func (s *Store) AttachmentBytes() int64 { return s.blobs.size.Load() }

// LimitAttachments bounds the new attachment contents: room returns the
// bytes they may still take (the instance's disk quota less what its files
// and attachments use), or a negative number for no limit. A content over
// it is refused with a 413 error (store.ErrTooLarge) and nothing is stored
// (for a bulk write, that document only). The content is counted while it
// is received, before it is known whether the same content is already
// stored (then it takes no more room). room is called outside the store's
// transactions, and must not write to the store.
func (s *Store) LimitAttachments(room func() int64) { s.blobs.room.Store(&room) }

// Path returns the file path of the store.
func (s *Store) Path() string { return s.path }

// Close closes the file; pending batched writes are committed first.
func (s *Store) Close() error {
	s.bgStop()
	s.bg.Wait()
	s.mu.Lock()
	for k, ch := range s.waiters {
		close(ch)
		delete(s.waiters, k)
	}
	s.mu.Unlock()
	s.write.Lock()
	defer s.write.Unlock()
	s.swap.Lock()
	defer s.swap.Unlock()
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// viewTx runs fn in a read transaction. fn must not start another
// transaction: a Shrink waiting to swap would block it.
func (s *Store) viewTx(fn func(*bbolt.Tx) error) error {
	s.swap.RLock()
	defer s.swap.RUnlock()
	return s.db.View(fn)
}

// updateTx runs fn in a write transaction of its own (see batch for the
// shared ones); the same rule as viewTx holds.
func (s *Store) updateTx(fn func(*bbolt.Tx) error) error {
	s.write.RLock()
	defer s.write.RUnlock()
	s.swap.RLock()
	defer s.swap.RUnlock()
	return s.db.Update(fn)
}

// waitChan returns the channel closed at the next commit on doctype.
func (s *Store) waitChan(doctype string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.waiters[doctype]
	if !ok {
		ch = make(chan struct{})
		s.waiters[doctype] = ch
	}
	return ch
}

func (s *Store) notify(doctype string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.waiters[doctype]; ok {
		close(ch)
		delete(s.waiters, doctype)
	}
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func getU64(b *bbolt.Bucket, key string) uint64 {
	v := b.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func mapErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", store.ErrClosed, err)
	}
	return err
}
