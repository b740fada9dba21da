package files_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const benchSize = 64 << 20

// BenchmarkUpload measures an upload through the API (streamed, hashed,
// fsynced); compare with BenchmarkCpBaseline.
func BenchmarkUpload(b *testing.B) {
	e := newEnv(b, 0)
	data := make([]byte, benchSize)
	patternAt(data, 0)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/files/?Type=file&Name=u%d", e.url, i), bytes.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			b.Fatalf("upload: %d", res.StatusCode)
		}
	}
}

// BenchmarkDownload measures a download through the API.
func BenchmarkDownload(b *testing.B) {
	e := newEnv(b, 0)
	data := make([]byte, benchSize)
	patternAt(data, 0)
	req, _ := http.NewRequest("POST", e.url+"/files/?Type=file&Name=d", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	id := e.decode(raw).Data.ID
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", e.url+"/files/download/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if n != benchSize {
			b.Fatalf("downloaded %d bytes", n)
		}
	}
}

// BenchmarkCpBaseline copies the same amount with cp and sync, the
// reference for the upload and download figures.
func BenchmarkCpBaseline(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	data := make([]byte, benchSize)
	patternAt(data, 0)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst := filepath.Join(dir, fmt.Sprintf("dst%d", i))
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v %s", err, out)
		}
		f, err := os.Open(dst)
		if err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
	}
}

// BenchmarkTenThousandFiles lists a directory of 10,000 files page by page
// (1,000 per page) and reads the _changes feed over them.
func BenchmarkTenThousandFiles(b *testing.B) {
	e := newEnv(b, 0)
	dir := e.mkdir("", "many")
	const n, workers = 10000, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/files/%s?Type=file&Name=f%05d", e.url, dir, i), bytes.NewReader([]byte("x")))
				req.Header.Set("Authorization", "Bearer "+e.token)
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 201 {
						err = fmt.Errorf("upload %d: %d", i, res.StatusCode)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.Run("list", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			count := 0
			next := "/files/" + dir + "?page[limit]=1000"
			for next != "" {
				code, _, body := e.do("GET", next, nil, nil)
				r := e.decode(body)
				if code != 200 {
					b.Fatalf("list: %d", code)
				}
				count += len(r.Included)
				next = r.Links["next"]
				if next != "" {
					next += "&page[limit]=1000"
				}
			}
			if count != n {
				b.Fatalf("listed %d files", count)
			}
		}
	})
	b.Run("changes", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			code, _, body := e.do("GET", "/files/_changes?include_docs=true&include_file_path=true", nil, nil)
			var res struct {
				Results []json.RawMessage `json:"results"`
			}
			if code != 200 || json.Unmarshal(body, &res) != nil || len(res.Results) < n {
				b.Fatalf("changes: %d, %d results", code, len(res.Results))
			}
		}
	})
}
