package bolt

import (
	"sync"

	bbolt "go.etcd.io/bbolt"
)

// Group commit. A writer that finds no commit in progress commits at once
// (no added latency for a lone writer). Writers that arrive while a commit is
// running queue up, and all of them are committed together in the next
// transaction: one fsync for the group. If one function of a group fails, the
// group's transaction is rolled back and each function is retried alone, so a
// failure never undoes or blocks another writer's work. Functions must
// therefore be safe to run more than once, as with bbolt's Batch.

type commitJob struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

type committer struct {
	mu      sync.Mutex
	pending []commitJob
	running bool
}

// batch runs fn in a shared write transaction and returns once it has been
// committed (and fsynced) or has failed.
func (s *Store) batch(fn func(*bbolt.Tx) error) error {
	j := commitJob{fn: fn, done: make(chan error, 1)}
	c := &s.commit
	c.mu.Lock()
	c.pending = append(c.pending, j)
	if !c.running {
		c.running = true
		c.mu.Unlock()
		s.lead()
	} else {
		c.mu.Unlock()
	}
	return <-j.done
}

// lead commits the queued group, then hands leadership over to a new
// goroutine if more writers queued meanwhile, so that the caller returns.
func (s *Store) lead() {
	c := &s.commit
	c.mu.Lock()
	group := c.pending
	c.pending = nil
	c.mu.Unlock()

	s.runGroup(group)

	c.mu.Lock()
	if len(c.pending) == 0 {
		c.running = false
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	go s.lead()
}

func (s *Store) runGroup(group []commitJob) {
	if len(group) == 0 {
		return
	}
	failed := -1
	err := s.updateTx(func(tx *bbolt.Tx) error {
		for i, j := range group {
			if err := j.fn(tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, j := range group {
			j.done <- nil
		}
		return
	}
	if failed < 0 || len(group) == 1 { // commit failure, or a lone job
		for _, j := range group {
			j.done <- err
		}
		return
	}
	for _, j := range group {
		j.done <- s.updateTx(j.fn)
	}
}
