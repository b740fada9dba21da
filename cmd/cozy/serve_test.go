package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/token"
)

// The test binary doubles as the cozy binary: with COZY_TEST_AS_MAIN set it
// runs main() with its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("COZY_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is a `cozy serve` child started with socket activation.
type server struct {
	cmd        *exec.Cmd
	public     string // 127.0.0.1:port
	admin      string
	https      string   // the box's HTTPS listener, if passed
	cliEnv     []string // extra environment of cli
	notify     *net.UnixConn
	readyAfter time.Duration
	dir        string
}

func listener(t testing.TB) (*net.TCPListener, *os.File) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	return ln.(*net.TCPListener), f
}

// startServer runs `cozy serve --dev` on sockets it inherits (LISTEN_FDS),
// and waits for READY=1 on NOTIFY_SOCKET.
func startServer(t testing.TB, dir string, env ...string) *server {
	t.Helper()
	return startServerWith(t, dir, serveOptions{env: env,
		args: []string{"--dev", "--dev-domain", "dev.localhost"}})
}

// serveOptions are the arguments of a `cozy serve` child beyond its data
// directory and sockets.
type serveOptions struct {
	args  []string
	env   []string
	https bool // pass a third socket, "https"
}

// startServerWith runs `cozy serve` with opts on sockets it inherits.
func startServerWith(t testing.TB, dir string, opts serveOptions) *server {
	t.Helper()
	pub, pubFile := listener(t)
	adm, admFile := listener(t)
	defer pub.Close()
	defer adm.Close()
	files := []*os.File{pubFile, admFile}
	names := "http:admin"
	var httpsAddr string
	if opts.https {
		tls, tlsFile := listener(t)
		defer tls.Close()
		files, names, httpsAddr = append(files, tlsFile), names+":https", tls.Addr().String()
	}
	sock := filepath.Join(dir, "notify.sock")
	os.Remove(sock)
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	// sh's $$ survives exec: LISTEN_PID must be the server's own pid.
	args := append([]string{"-c", `LISTEN_PID=$$ exec "$0" "$@"`, self, "serve",
		"--fs-url", "file://" + filepath.Join(dir, "data")}, opts.args...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Env = append([]string{"COZY_TEST_AS_MAIN=1", fmt.Sprintf("LISTEN_FDS=%d", len(files)), "LISTEN_FDNAMES=" + names,
		"NOTIFY_SOCKET=" + sock, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}, opts.env...)
	cmd.ExtraFiles = files
	cmd.Dir = dir
	logFile, _ := os.Create(filepath.Join(dir, "serve.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		f.Close()
	}
	s := &server{cmd: cmd, public: pub.Addr().String(), admin: adm.Addr().String(), https: httpsAddr, notify: notify, dir: dir}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		notify.Close()
	})
	for {
		msg := s.readNotify(t, 20*time.Second)
		if strings.Contains(msg, "READY=1") {
			break
		}
		if !strings.Contains(msg, "STATUS=") { // the box tells its name first
			t.Fatalf("notification %q; log:\n%s", msg, s.log())
		}
	}
	s.readyAfter = time.Since(start)
	return s
}

func (s *server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "serve.log"))
	return string(b)
}

func (s *server) readNotify(t testing.TB, timeout time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	s.notify.SetReadDeadline(time.Now().Add(timeout))
	n, err := s.notify.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v; log:\n%s", err, s.log())
	}
	return string(buf[:n])
}

// cli runs a cozy command against the server's admin API.
func (s *server) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	self, _ := os.Executable()
	host, port, _ := net.SplitHostPort(s.admin)
	cmd := exec.Command(self, append([]string{"--admin-host", host, "--admin-port", port}, args...)...)
	cmd.Env = append([]string{"COZY_TEST_AS_MAIN=1", "HOME=" + s.dir}, s.cliEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%v: %s", err, stderr.String())
	}
	return string(out), nil
}

func get(t *testing.T, addr, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServeLifecycle(t *testing.T) {
	s := startServer(t, t.TempDir())
	if code, body := get(t, s.public, "anything", "/status"); code != 200 || !strings.Contains(body, `"status":"OK"`) {
		t.Fatalf("/status: %d %s", code, body)
	}
	if code, body := get(t, s.public, "anything", "/version"); code != 200 || !strings.Contains(body, `"runtime_version":"go`) {
		t.Fatalf("/version: %d %s", code, body)
	}
	if code, body := get(t, s.public, "nobody.example", "/settings"); code != 404 || !strings.Contains(body, "No instance for host") {
		t.Fatalf("unknown host: %d %s", code, body)
	}
	// --dev without a scheme setting: the links are http.
	if !strings.Contains(s.log(), "http://dev.localhost/?registerToken=") || !strings.Contains(s.log(), "URL: http://dev.localhost/") {
		t.Fatalf("the dev instance's registration link is not printed:\n%s", s.log())
	}

	out, err := s.cli(t, "instances", "add", "--passphrase", "correct horse battery", "--email", "a@example.org", "alice.localhost:8080")
	if err != nil || !strings.Contains(out, "Instance created with success for domain alice.localhost:8080") {
		t.Fatalf("instances add: %q %v", out, err)
	}
	out, err = s.cli(t, "instances", "ls")
	if err != nil || !strings.Contains(out, "alice.localhost:8080") || !strings.Contains(out, "dev.localhost") {
		t.Fatalf("instances ls: %q %v", out, err)
	}
	tok, err := s.cli(t, "instances", "token-cli", "alice.localhost:8080", "io.cozy.contacts", "io.cozy.files:GET")
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.TrimSuffix(tok, "\n")
	if strings.ContainsAny(raw, " \n") || strings.Count(raw, ".") != 2 {
		t.Fatalf("token-cli must print the token alone: %q", tok)
	}
	if _, err := s.cli(t, "instances", "token-cli", "nobody.example", "io.cozy.files"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("token for an unknown instance: %v", err)
	}
	out, err = s.cli(t, "status")
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("cozy status: %q %v", out, err)
	}

	// Graceful stop: STOPPING=1, exit 0, registry closed cleanly.
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if msg := s.readNotify(t, 10*time.Second); !strings.Contains(msg, "STOPPING=1") {
		t.Fatalf("stop notification %q", msg)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, s.log())
	}
	m, err := instance.Open(filepath.Join(s.dir, "data"), passhash.New(passhash.Default, 1), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("registry after stop: %v", err)
	}
	defer m.Close()
	alice, err := m.Get("alice.localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.ParseToken(raw, time.Now(), token.CLI); err != nil {
		t.Fatalf("the printed token: %v", err)
	}
	if err := m.CheckPassphrase(context.Background(), alice, "correct horse battery"); err != nil {
		t.Fatalf("passphrase: %v", err)
	}
}

func TestAdminPassphraseFromEnvironment(t *testing.T) {
	s := startServer(t, t.TempDir(), "COZY_ADMIN_PASSPHRASE=s3cret-admin")
	// The CLI reads the same variable; without it there is no terminal to ask.
	if _, err := s.cli(t, "instances", "ls"); err == nil || !strings.Contains(err.Error(), "COZY_ADMIN_PASSPHRASE") {
		t.Fatalf("admin API without passphrase: %v", err)
	}
	var body map[string]any
	req, _ := http.NewRequest("GET", "http://"+s.admin+"/instances", nil)
	req.SetBasicAuth("", "s3cret-admin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("with passphrase: %d %v", res.StatusCode, body)
	}
}

// BenchmarkStartupToReady measures `cozy serve` from exec to READY=1 with
// 1 and 100 instances in the registry.
func BenchmarkStartupToReady(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			m, err := instance.Open(filepath.Join(dir, "data"), passhash.New(passhash.Default, 1), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i++ {
				if _, err := m.Create(context.Background(), instance.Options{Domain: fmt.Sprintf("user%d.example.org", i)}); err != nil {
					b.Fatal(err)
				}
			}
			m.Close()
			var total time.Duration
			for i := 0; i < b.N; i++ {
				s := startServer(b, dir)
				total += s.readyAfter
				s.cmd.Process.Signal(syscall.SIGTERM)
				s.cmd.Wait()
				s.notify.Close()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/ready")
		})
	}
}
