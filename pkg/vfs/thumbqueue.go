package vfs

import (
	"errors"
	"sync"
)

// thumbQueueSize bounds the thumbnails waiting to be made in the
// background; past it a job is dropped and the thumbnails are made on
// demand, when first asked for.
const thumbQueueSize = 256

// thumbQueue holds the ids of files whose thumbnails are to be made. An id
// is queued at most once at a time, so a burst of uploads and overwrites
// of one photo is one job; the worker reads the file's current document,
// so the job makes the thumbnails of its latest content.
type thumbQueue struct {
	mu      sync.Mutex
	pending map[string]bool // ids in jobs
	closed  bool
	jobs    chan string
}

func newThumbQueue(size int) *thumbQueue {
	return &thumbQueue{pending: map[string]bool{}, jobs: make(chan string, size)}
}

// add queues id; false when it was dropped (the queue is full or closed)
// or is already queued.
func (q *thumbQueue) add(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.pending[id] {
		return false
	}
	select {
	case q.jobs <- id:
		q.pending[id] = true
		return true
	default:
		return false
	}
}

// taken marks id as out of the queue: queuing it again makes a new job
// (its content may have changed since the worker read it).
func (q *thumbQueue) taken(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.pending, id)
}

// close refuses new jobs.
func (q *thumbQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
}

// queueThumbnails asks the worker to make f's thumbnails, when f has
// some, so that the first view finds them ready. It never blocks.
func (fs *FS) queueThumbnails(f *File) {
	if HasThumbnails(f) {
		fs.thumbs.add(f.ID)
	}
}

// thumbWorker makes the queued thumbnails one file at a time until Close.
func (fs *FS) thumbWorker() {
	defer fs.wg.Done()
	for {
		select {
		case <-fs.bg.Done():
			return
		case id := <-fs.thumbs.jobs:
			fs.thumbs.taken(id)
			f, err := fs.get(fs.bg, id)
			if errors.Is(err, ErrNotFound) {
				continue // destroyed meanwhile
			}
			if err == nil && HasThumbnails(f) {
				err = fs.MakeThumbnails(fs.bg, f)
			}
			if err != nil && fs.bg.Err() == nil {
				fs.log.Debug("vfs: thumbnails", "file", id, "error", err)
			}
		}
	}
}
