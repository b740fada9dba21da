package webtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary is the real server (cmd/cozy, built by BuildBinary) running
// `cozy serve --dev` as a child process in its own process group on free
// ports of 127.0.0.1, for benchmarks that measure the server's own CPU
// time and memory apart from the client's. It is killed by its PID when
// the test ends.
type Binary struct {
	cmd    *exec.Cmd
	URL    string // the dev instance, http://127.0.0.1:port
	Domain string // the dev instance's domain, 127.0.0.1:port
	Dir    string // its data and log directory
	admin  string
	log    string
}

// StartBinary builds cmd/cozy and starts it with its data in a temporary
// directory; it returns once the admin API answers.
func StartBinary(tb testing.TB) *Binary {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "cozy")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, "./cmd/cozy")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	port, adminPort := freePort(tb), freePort(tb)
	b := &Binary{Domain: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir,
		admin: fmt.Sprintf("http://127.0.0.1:%d", adminPort), log: filepath.Join(dir, "serve.log")}
	b.URL = "http://" + b.Domain
	b.cmd = exec.Command(bin, "serve", "--dev", "--log-level", "warn",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--admin-host", "127.0.0.1", "--admin-port", strconv.Itoa(adminPort),
		"--fs-url", "file://"+filepath.Join(dir, "data"), "--dev-domain", b.Domain)
	b.cmd.Dir = dir
	b.cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	logFile, err := os.Create(b.log)
	if err != nil {
		tb.Fatal(err)
	}
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = b.cmd.Start()
	logFile.Close()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		b.cmd.Wait()
	})
	b.Token(tb, "io.cozy.files") // waits for the instance
	return b
}

// Token returns a CLI token of the dev instance for scope, from the admin
// API, retrying for up to 30 s while the server starts.
func (b *Binary) Token(tb testing.TB, scope string) string {
	tb.Helper()
	q := url.Values{"Domain": {b.Domain}, "Audience": {"cli"}, "Scope": {scope}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Post(b.admin+"/instances/token?"+q.Encode(), "", nil)
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return string(bytes.TrimSpace(body))
			}
			err = fmt.Errorf("status %d: %s", res.StatusCode, body)
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(b.log)
			tb.Fatalf("the server gave no token: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CPU returns the server's user and system CPU time so far, from
// /proc/PID/stat (in clock ticks of 10 ms, Linux's USER_HZ).
func (b *Binary) CPU(tb testing.TB) (user, system time.Duration) {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", b.cmd.Process.Pid))
	if err != nil {
		tb.Fatal(err)
	}
	// After the command name (which may hold spaces), utime and stime are
	// the 12th and 13th fields.
	_, rest, _ := strings.Cut(string(raw), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		tb.Fatalf("short /proc stat: %q", raw)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("bad /proc stat: %q", raw)
	}
	return time.Duration(ut) * 10 * time.Millisecond, time.Duration(st) * 10 * time.Millisecond
}

// PeakRSS returns the server's peak resident set size (VmHWM) in MiB.
func (b *Binary) PeakRSS(tb testing.TB) float64 {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", b.cmd.Process.Pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				tb.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	tb.Fatal("no VmHWM in /proc status")
	return 0
}

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
