package data_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bulkBody is a _bulk_docs body of n documents with ids prefix-00000...
func bulkBody(prefix string, n int) string {
	var sb strings.Builder
	sb.WriteString(`{"docs":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"_id":"%s-%05d","n":%d,"label":"label %d"}`, prefix, i, i, i%100)
	}
	sb.WriteString(`]}`)
	return sb.String()
}

// BenchmarkBulkDocsContention measures how long a lone single-document PUT
// waits while 10,000-document _bulk_docs requests are written: it PUTs in
// a loop for as long as three such bulks run one after the other, and
// reports the PUTs' p99 and max latencies (a bulk written in one
// transaction blocks every other writer of the instance until it ends).
func BenchmarkBulkDocsContention(b *testing.B) {
	e := benchEnv(b)
	t := ours(e)
	t.call(b, "PUT", "/warm", `{}`, http.StatusOK)
	const bulks, size = 3, 10000
	bodies := make([]string, bulks)
	for i := range bodies {
		bodies[i] = bulkBody(fmt.Sprintf("bulk%d", i), size)
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	var bulkTime time.Duration
	started := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		<-started
		t0 := time.Now()
		for _, body := range bodies {
			t.call(b, "POST", "/_bulk_docs", body, http.StatusCreated)
		}
		bulkTime = time.Since(t0)
	}()
	var lat []time.Duration
	close(started)
	for i := 0; !done.Load(); i++ {
		r, err := t.req("PUT", fmt.Sprintf("/single-%06d", i), `{"single":true}`)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("single PUT: %d", res.StatusCode)
		}
		lat = append(lat, time.Since(t0))
	}
	wg.Wait()
	if len(lat) == 0 {
		b.Fatal("no single PUT ran during the bulks")
	}
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)*99/100]), "put-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "put-max-ms")
	b.ReportMetric(ms(lat[len(lat)/2]), "put-p50-ms")
	b.ReportMetric(float64(len(lat)), "puts")
	b.ReportMetric(ms(bulkTime)/bulks, "bulk-ms")
}

// BenchmarkBulkDocsHuge sends the 400,000 empty documents of a 1.6 MB
// _bulk_docs body and reports the answer's status and the server's peak
// heap growth while it is handled (HeapInuse sampled every 5 ms; the
// server runs in this process).
func BenchmarkBulkDocsHuge(b *testing.B) {
	e := benchEnv(b)
	t := ours(e)
	t.call(b, "PUT", "/warm", `{}`, http.StatusOK)
	const n = 400000
	body := `{"docs":[` + strings.Repeat(`{},`, n-1) + `{}]}`
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := base.HeapInuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	r, err := t.req("POST", "/_bulk_docs", body)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	elapsed := time.Since(t0)
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(res.StatusCode), "status")
	b.ReportMetric(float64(len(body))/(1<<20), "body-MB")
	b.ReportMetric(float64(peak-base.HeapInuse)/(1<<20), "peak-heap-growth-MB")
	b.ReportMetric(ms(elapsed), "ms")
}
