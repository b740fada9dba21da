package update

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sync"
)

// newGzipReader reads a gzip stream of one or more members (the
// parallel compressor writes one member per chunk). Anything after the
// last member that is not a gzip header is an error.
func newGzipReader(r io.Reader) (io.Reader, error) {
	return gzip.NewReader(r)
}

// chunkSize is the input of one gzip member: large enough that the
// members' headers and the dictionary reset at each cost nothing
// measurable, small enough that workers*3 chunks in memory stay small.
const chunkSize = 4 << 20

// compressParallel gzips src to dst as a series of independent gzip
// members of chunkSize input bytes, compressed by workers goroutines and
// written in order (gzip readers read concatenated members as one
// stream). It returns when every goroutine it started has ended.
func compressParallel(ctx context.Context, dst io.Writer, src io.Reader, level, workers int) error {
	if workers < 1 {
		workers = 1
	}
	type job struct {
		in   []byte
		out  bytes.Buffer
		err  error
		done chan struct{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *job)
	order := make(chan *job, workers*2)
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() { // the reader: cuts src into chunks, in order
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		for {
			buf := make([]byte, chunkSize)
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				j := &job{in: buf[:n], done: make(chan struct{})}
				select {
				case order <- j:
				case <-ctx.Done():
					return
				}
				select {
				case jobs <- j:
				case <-ctx.Done():
					close(j.done)
					return
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				zw, err := gzip.NewWriterLevel(&j.out, level)
				if err == nil {
					_, err = zw.Write(j.in)
				}
				if err == nil {
					err = zw.Close()
				}
				j.err, j.in = err, nil
				close(j.done)
			}
		}()
	}
	var err error
	for j := range order {
		if err != nil {
			continue // drain so the reader can end
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			err = ctx.Err()
			cancel()
			continue
		}
		if err = j.err; err == nil {
			_, err = j.out.WriteTo(dst)
		}
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = readErr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("update: compress: %w", err)
	}
	return nil
}
