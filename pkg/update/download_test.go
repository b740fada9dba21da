package update

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDownload(t *testing.T) {
	defer func(d time.Duration) { stallTimeout = d }(stallTimeout)
	stallTimeout = time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			// A byte every 20 ms: slow, but never stalled for a second.
			for i := 0; i < 8; i++ {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				select {
				case <-time.After(20 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
			}
		case "/stalls":
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			<-r.Context().Done() // until the client gives up
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	body, _, release, err := Download(ctx, nil, srv.URL+"/slow")
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(body)
	release()
	if err != nil || string(data) != "xxxxxxxx" {
		t.Fatalf("slow but flowing: %q %v", data, err)
	}

	body, _, release, err = Download(ctx, nil, srv.URL+"/stalls")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = io.ReadAll(body)
	release()
	if err == nil || !strings.Contains(err.Error(), "stalled") || time.Since(start) > 30*time.Second {
		t.Fatalf("stalled download: %v after %s", err, time.Since(start))
	}

	if _, _, _, err := Download(ctx, nil, srv.URL+"/missing"); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("404: %v", err)
	}
}
