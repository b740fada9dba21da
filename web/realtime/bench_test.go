package realtime_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/realtime"
)

// BenchmarkEvents100Subscribers measures events delivered per second to
// 100 websocket clients subscribed to the same doctype, over loopback. The
// publisher keeps at most window events in flight so that no client is
// dropped for lagging (that is the slow-client path, tested elsewhere).
func BenchmarkEvents100Subscribers(b *testing.B) {
	const subscribers, perRun, window = 100, 2000, 64
	e := setup(b)
	tok := e.Token(b, "io.cozy.notes")
	clients := make([]*client, subscribers)
	for i := range clients {
		clients[i] = e.dial(tok)
		clients[i].send("SUBSCRIBE", map[string]string{"type": "io.cozy.notes"})
		clients[i].barrier()
	}
	total := perRun * b.N
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	received := make([]int, subscribers)
	errs := make(chan error, subscribers)
	doc := json.RawMessage(`{"_id":"n","title":"a note of ordinary size","tags":["a","b"],"n":1}`)

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range total {
				if _, err := c.next(); err != nil {
					errs <- err
					mu.Lock()
					cond.Broadcast()
					mu.Unlock()
					return
				}
				mu.Lock()
				received[i]++
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	for n := range total {
		mu.Lock()
		for lowest(received) < n-window && len(errs) == 0 {
			cond.Wait()
		}
		mu.Unlock()
		if len(errs) > 0 {
			break
		}
		e.Server.Realtime.Publish(e.Inst.ID, &realtime.Event{Verb: realtime.Created, Doctype: "io.cozy.notes", ID: "n", Rev: "1-a", Doc: doc})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(total*subscribers)/elapsed.Seconds(), "deliveries/s")
}

func lowest(xs []int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}
