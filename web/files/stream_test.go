package files_test

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pattern is a deterministic stream of size bytes whose content at any
// offset can be recomputed: block k (4 KiB) is a fixed block xor k.
type pattern struct {
	size, pos int64
	sum       hash.Hash
}

var patternBlock = func() []byte {
	b := make([]byte, 4096)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

func patternAt(p []byte, off int64) {
	for len(p) > 0 {
		in := off % 4096
		n := copy(p, patternBlock[in:])
		k := byte(off / 4096)
		for i := range p[:n] {
			p[i] ^= k
		}
		p, off = p[n:], off+int64(n)
	}
}

func newPattern(size int64) *pattern { return &pattern{size: size, sum: md5.New()} }

func (r *pattern) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if int64(len(p)) > r.size-r.pos {
		p = p[:r.size-r.pos]
	}
	patternAt(p, r.pos)
	r.sum.Write(p)
	r.pos += int64(len(p))
	return len(p), nil
}

// rssSampler records the largest resident set size seen while it runs.
type rssSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	max  int64
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func startRSS() *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), max: rss()}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				if r := rss(); r > s.max {
					s.max = r
				}
			}
		}
	}()
	return s
}

func (s *rssSampler) Stop() int64 {
	close(s.stop)
	s.wg.Wait()
	return s.max
}

// streamRoundTrip uploads size bytes, reads a range in the middle and the
// whole content back, and returns the growth of the resident set size.
func streamRoundTrip(tb testing.TB, e *env, name string, size int64) (growth, peak int64) {
	runtime.GC()
	base := rss()
	sampler := startRSS()
	body := newPattern(size)
	req, _ := http.NewRequest("POST", e.url+"/files/?Type=file&Name="+name, body)
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		tb.Fatalf("upload: %d %s", res.StatusCode, raw)
	}
	want := base64.StdEncoding.EncodeToString(body.sum.Sum(nil))
	if !strings.Contains(string(raw), want) {
		tb.Fatalf("md5sum %s not in %s", want, raw)
	}
	id := e.decode(raw).Data.ID

	// A range in the middle.
	mid := size / 2
	req, _ = http.NewRequest("GET", e.url+"/files/download/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", mid, mid+65535))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	exp := make([]byte, 65536)
	patternAt(exp, mid)
	if res.StatusCode != 206 || string(got) != string(exp) {
		tb.Fatalf("range in the middle: %d, %d bytes, equal=%v", res.StatusCode, len(got), string(got) == string(exp))
	}

	// The whole content.
	req, _ = http.NewRequest("GET", e.url+"/files/download/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	h := md5.New()
	n, err := io.Copy(h, res.Body)
	res.Body.Close()
	if err != nil || n != size || base64.StdEncoding.EncodeToString(h.Sum(nil)) != want {
		tb.Fatalf("download: %d bytes, err %v", n, err)
	}
	peak = sampler.Stop()
	return peak - base, peak
}

// maxRSSGrowth is how much the process may grow while streaming: bodies
// must never be held in memory.
const maxRSSGrowth = 48 << 20

func TestStreamingKeepsMemoryFlat(t *testing.T) {
	e := newEnv(t, 0)
	const size = 128 << 20
	if grow, _ := streamRoundTrip(t, e, "big.bin", size); grow > maxRSSGrowth {
		t.Fatalf("RSS grew by %d MiB for a %d MiB file", grow>>20, size>>20)
	}
}

// BenchmarkStream2GB uploads and downloads 2 GiB through the HTTP API,
// with a Range read in its middle, and reports the RSS growth and peak of
// the process (server and client both run in it).
func BenchmarkStream2GB(b *testing.B) {
	const size = 2 << 30
	e := newEnv(b, 0)
	b.SetBytes(2 * size) // up and down
	for i := 0; i < b.N; i++ {
		grow, peak := streamRoundTrip(b, e, fmt.Sprintf("big-%d.bin", i), size)
		b.ReportMetric(float64(grow>>20), "MiB-RSS-growth")
		b.ReportMetric(float64(peak>>20), "MiB-peak-RSS")
		if grow > maxRSSGrowth {
			b.Fatalf("RSS grew by %d MiB for a 2 GiB file", grow>>20)
		}
	}
}
