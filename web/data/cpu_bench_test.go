package data_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// BenchmarkWriteServerCPU measures the CPU time the real server (cmd/cozy,
// a child process) spends per document written through the data API:
// creates (POST /data/:doctype/) at concurrency 1 and 16, and updates (PUT
// with the rev) at 16. The client keeps its connections alive, as browsers
// and PouchDB do, so that connection set-up is not counted; its own CPU time
// is not the server's.
func BenchmarkWriteServerCPU(b *testing.B) {
	srv := webtest.StartBinary(b)
	tok := srv.Token(b, "io.cozy.bench")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	send := func(method, path, body string) (map[string]any, error) {
		req, err := http.NewRequest(method, srv.URL+"/data/io.cozy.bench/"+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		var out map[string]any
		return out, json.Unmarshal(raw, &out)
	}
	// run does n requests on conc workers and returns the server's CPU
	// time per request in µs.
	run := func(n, conc int, do func(i int) error) float64 {
		u0, s0 := srv.CPU(b)
		var wg sync.WaitGroup
		var once sync.Once
		var first error
		next := make(chan int)
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if err := do(i); err != nil {
						once.Do(func() { first = err })
					}
				}
			}()
		}
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
		if first != nil {
			b.Fatal(first)
		}
		u1, s1 := srv.CPU(b)
		return float64((u1 - u0 + s1 - s0).Microseconds()) / float64(n)
	}
	const n = 4000
	create := func(i int) error {
		_, err := send("POST", "", fmt.Sprintf(`{"n":%d,"label":"doc %d","tags":["a","b"],"nested":{"x":1.5,"y":"z"}}`, i, i))
		return err
	}
	run(200, 4, create) // warm-up: the database exists, the code is paged in
	start := time.Now()
	c1 := run(n/4, 1, create)
	c16 := run(n, 16, create)
	ids := make([]string, n)
	revs := make([]string, n)
	run(n, 16, func(i int) error {
		out, err := send("PUT", fmt.Sprintf("upd-%05d", i), fmt.Sprintf(`{"n":%d}`, i))
		if err == nil {
			ids[i], revs[i] = out["id"].(string), out["rev"].(string)
		}
		return err
	})
	upd := run(n, 16, func(i int) error {
		_, err := send("PUT", ids[i], fmt.Sprintf(`{"_rev":%q,"n":%d,"label":"updated"}`, revs[i], i))
		return err
	})
	b.ReportMetric(c1, "create-c1-server-cpu-µs/op")
	b.ReportMetric(c16, "create-c16-server-cpu-µs/op")
	b.ReportMetric(upd, "update-c16-server-cpu-µs/op")
	b.ReportMetric(time.Since(start).Seconds(), "s")
}
