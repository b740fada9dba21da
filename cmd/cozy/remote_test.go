package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestRemoteSecretsCLI(t *testing.T) {
	type got struct{ method, uri, body, pass string }
	var (
		mu   sync.Mutex
		reqs []got
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, pass, _ := r.BasicAuth()
		mu.Lock()
		reqs = append(reqs, got{r.Method, r.RequestURI, string(b), pass})
		mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			io.WriteString(w, `{"doctype":"org.example","names":["token"]}`)
		case http.MethodDelete:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errors":[{"detail":"no such secret"}]}`)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("COZY_ADMIN_PASSPHRASE", "adm")
	t.Setenv("COZY_CONFIG", "")
	tests := []struct {
		args    []string
		want    got
		wantErr string
	}{
		{[]string{"remote", "secrets", "set", "alice.localhost", "org.example", "token", "s3cret"},
			got{"PUT", "/instances/alice.localhost/remote_secrets/org.example/token", `{"value":"s3cret"}`, "adm"}, ""},
		{[]string{"remote", "secrets", "ls", "alice.localhost", "org.example"},
			got{"GET", "/instances/alice.localhost/remote_secrets/org.example", "", "adm"}, ""},
		{[]string{"remote", "secrets", "rm", "alice.localhost", "org.example", "token"},
			got{"DELETE", "/instances/alice.localhost/remote_secrets/org.example/token", "", "adm"}, "no such secret"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:3], " "), func(t *testing.T) {
			root := newRootCmd()
			root.SetArgs(append(tt.args, "--admin-host", srv.URL))
			err := root.Execute()
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reqs) == 0 || reqs[len(reqs)-1] != tt.want {
				t.Fatalf("requests %+v, want last %+v", reqs, tt.want)
			}
			if strings.Contains(reqs[len(reqs)-1].uri, "s3cret") {
				t.Fatal("the secret went into the URL")
			}
		})
	}
}
