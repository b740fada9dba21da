package update

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// StallTimeout ends a download that delivers nothing for that long.
const StallTimeout = 2 * time.Minute

// stallTimeout is StallTimeout, shortened by tests.
var stallTimeout = StallTimeout

// Download opens url for streaming: the answer must come within a
// minute and the body must keep flowing (StallTimeout), but a slow link
// may take as long as it needs. The returned function releases it.
func Download(ctx context.Context, client *http.Client, url string) (io.Reader, int64, func(), error) {
	if client == nil {
		client = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: time.Minute}}
	}
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, 0, nil, fmt.Errorf("%w: bad URL: %v", ErrBadBundle, err)
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, 0, nil, fmt.Errorf("update: download: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		cancel()
		return nil, 0, nil, fmt.Errorf("%w: download answered HTTP %d", ErrBadBundle, res.StatusCode)
	}
	s := &stallReader{r: res.Body, cancel: cancel}
	s.timer = time.AfterFunc(stallTimeout, s.stalled)
	release := func() {
		s.timer.Stop()
		cancel()
		res.Body.Close()
	}
	return s, res.ContentLength, release, nil
}

// stallReader cancels a download whose body stops flowing.
type stallReader struct {
	r      io.Reader
	cancel context.CancelFunc
	timer  *time.Timer

	mu  sync.Mutex
	hit bool
}

func (s *stallReader) stalled() {
	s.mu.Lock()
	s.hit = true
	s.mu.Unlock()
	s.cancel()
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(stallTimeout)
	}
	s.mu.Lock()
	hit := s.hit
	s.mu.Unlock()
	if err != nil && hit {
		err = fmt.Errorf("update: download stalled for %s: %w", stallTimeout, err)
	}
	return n, err
}
