package data_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// viewBenchDDoc is a map/reduce view over load's documents: 100 labels.
const viewBenchDDoc = `{"views":{"by_label":{"map":"function(doc){ if (doc.label) emit(doc.label, doc.n) }","reduce":"_sum"}}}`

// BenchmarkViews builds a map/reduce view over COZY_VIEW_DOCS documents
// (default 100,000) and queries it, against us and against pouchdb-server
// (PouchDB's own view engine) in the same run: build time (the first
// query), then p50/p99 of 200 map queries (a key, limit 10) and of 200
// reduce queries (the _sum of a key's 1,000 rows).
func BenchmarkViews(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("COZY_VIEW_DOCS")); err == nil && v > 0 {
		n = v
	}
	ps := pouchServer(b)
	e := benchEnv(b)
	targets := map[string]target{"ours": ours(e), "pouch": ps.pouchDB(b, "views")}
	build := map[string]time.Duration{}
	mapQ, reduceQ := map[string]stats{}, map[string]stats{}
	for _, name := range []string{"ours", "pouch"} {
		t := targets[name]
		load(b, t, n)
		want := http.StatusCreated // CouchDB's; cozy answers 200
		if name == "ours" {
			want = http.StatusOK
		}
		t.call(b, "PUT", "/_design/bench", viewBenchDDoc, want)
		t0 := time.Now()
		t.call(b, "GET", "/_design/bench/_view/by_label?limit=1&reduce=false", "", http.StatusOK)
		build[name] = time.Since(t0)
		view := func(q string) func(i int) (*http.Request, error) {
			return func(i int) (*http.Request, error) {
				key := url.QueryEscape(fmt.Sprintf(`"label %d"`, i%100))
				return t.req("GET", "/_design/bench/_view/by_label?key="+key+q, "")
			}
		}
		mapQ[name] = timed(b, 200, 1, view("&reduce=false&limit=10"))
		reduceQ[name] = timed(b, 200, 1, view(""))
		// The reduce answer agrees: label 0 holds n = 0, 100, 200...
		want = 0
		for i := 0; i < n; i += 100 {
			want += i
		}
		got := t.call(b, "GET", "/_design/bench/_view/by_label?key=%22label%200%22", "", http.StatusOK)
		if !strings.Contains(strings.ReplaceAll(string(got), " ", ""), fmt.Sprintf(`"value":%d`, want)) {
			b.Fatalf("%s: reduce of label 0: %s, want %d", name, got, want)
		}
	}
	b.ReportMetric(float64(build["ours"].Milliseconds()), "build-ms")
	b.ReportMetric(float64(build["pouch"].Milliseconds()), "pouch-build-ms")
	b.ReportMetric(ms(mapQ["ours"].p50), "map-p50-ms")
	b.ReportMetric(ms(mapQ["ours"].p99), "map-p99-ms")
	b.ReportMetric(ms(mapQ["pouch"].p50), "pouch-map-p50-ms")
	b.ReportMetric(ms(mapQ["pouch"].p99), "pouch-map-p99-ms")
	b.ReportMetric(ms(reduceQ["ours"].p50), "reduce-p50-ms")
	b.ReportMetric(ms(reduceQ["ours"].p99), "reduce-p99-ms")
	b.ReportMetric(ms(reduceQ["pouch"].p50), "pouch-reduce-p50-ms")
	b.ReportMetric(ms(reduceQ["pouch"].p99), "pouch-reduce-p99-ms")
}

// BenchmarkChangesFilter reads _changes?filter=ddoc/name over
// COZY_FILTER_DOCS documents (default 10,000; the filter keeps one in
// ten), against us and pouchdb-server in the same run: the time of the
// whole feed (one query-server call per change on our side).
func BenchmarkChangesFilter(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("COZY_FILTER_DOCS")); err == nil && v > 0 {
		n = v
	}
	ps := pouchServer(b)
	e := benchEnv(b)
	targets := map[string]target{"ours": ours(e), "pouch": ps.pouchDB(b, "filter")}
	took := map[string]time.Duration{}
	for _, name := range []string{"ours", "pouch"} {
		t := targets[name]
		load(b, t, n)
		want := http.StatusCreated
		if name == "ours" {
			want = http.StatusOK
		}
		t.call(b, "PUT", "/_design/f", `{"filters":{"tenth":"function(doc){ return doc.n % 10 == 0 }"}}`, want)
		t0 := time.Now()
		out := t.call(b, "GET", "/_changes?filter=f/tenth", "", http.StatusOK)
		took[name] = time.Since(t0)
		if got := strings.Count(string(out), `"id":`); got != n/10 {
			b.Fatalf("%s: %d changes through the filter, want %d", name, got, n/10)
		}
	}
	b.ReportMetric(float64(took["ours"].Milliseconds()), "feed-ms")
	b.ReportMetric(float64(took["pouch"].Milliseconds()), "pouch-feed-ms")
}
