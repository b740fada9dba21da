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
	"testing"
	"time"

	"github.com/cozypi/cozy/web/webtest"
)

// cpuFiles and cpuFileSize are the work of BenchmarkServerCPU: 8 files of
// 64 MiB, uploaded then downloaded once each.
const (
	cpuFiles    = 8
	cpuFileSize = 64 << 20
)

// BenchmarkServerCPU measures the CPU time the real server (cmd/cozy, a
// child process) spends per MiB uploaded and downloaded, against cp+sync
// (and md5sum, and cat) of the same files in the same run: the cost of the
// HTTP, the temporary file and the fsyncs beyond what the kernel must do to
// put the bytes on disk anyway. The client's CPU time is not counted.
func BenchmarkServerCPU(b *testing.B) {
	srv := webtest.StartBinary(b)
	tok := srv.Token(b, "io.cozy.files")
	data := make([]byte, cpuFileSize)
	patternAt(data, 0)
	mib := float64(cpuFiles*cpuFileSize) / (1 << 20)

	// The baseline: cp then sync (fsync of the copy) of a file in the page
	// cache, as child processes whose CPU time is their rusage.
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	// Uploads and copies alternate, so that both see the same page cache
	// and the same load of the machine.
	var cpTime, md5Time, catTime, upUser, upSys time.Duration
	ids := make([]string, cpuFiles)
	for i := range ids {
		dst := filepath.Join(dir, fmt.Sprintf("dst%d", i))
		cpTime += run(b, "cp", src, dst) + run(b, "sync", dst)
		md5Time += run(b, "md5sum", dst)
		u0, s0 := srv.CPU(b)
		ids[i] = upload(b, srv.URL, tok, fmt.Sprintf("u%d", i), data)
		u1, s1 := srv.CPU(b)
		upUser, upSys = upUser+u1-u0, upSys+s1-s0
	}
	for i := 0; i < cpuFiles; i++ {
		catTime += run(b, "sh", "-c", "cat "+filepath.Join(dir, fmt.Sprintf("dst%d", i))+" >/dev/null")
	}
	u1, s1 := srv.CPU(b)
	for _, id := range ids {
		req, _ := http.NewRequest("GET", srv.URL+"/files/download/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if n != cpuFileSize {
			b.Fatalf("downloaded %d bytes", n)
		}
	}
	u2, s2 := srv.CPU(b)

	perMiB := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / mib }
	up, down := perMiB(upUser+upSys), perMiB(u2-u1+s2-s1)
	b.ReportMetric(up, "upload-server-cpu-ms/MiB")
	b.ReportMetric(perMiB(upSys), "upload-server-sys-ms/MiB")
	b.ReportMetric(perMiB(cpTime), "cp+sync-cpu-ms/MiB")
	b.ReportMetric(up/perMiB(cpTime), "upload-ratio_vs_cp+sync")
	// The server also computes the md5 of what it receives (the file's
	// md5sum, the client's Content-MD5 checked), which cp does not: the
	// same work from the command line is cp, sync and md5sum.
	b.ReportMetric(perMiB(md5Time), "md5sum-cpu-ms/MiB")
	b.ReportMetric(up/perMiB(cpTime+md5Time), "upload-ratio_vs_cp+sync+md5sum")
	b.ReportMetric(down, "download-server-cpu-ms/MiB")
	b.ReportMetric(perMiB(catTime), "cat-cpu-ms/MiB")
	b.ReportMetric(down/perMiB(cpTime), "download-ratio_vs_cp+sync")
}

// run runs a command and returns the CPU time (user and system) it used.
func run(b *testing.B, name string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v %s", name, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// upload sends data as a new file of the root directory and returns its id.
func upload(b *testing.B, base, tok, name string, data []byte) string {
	b.Helper()
	req, _ := http.NewRequest("POST", base+"/files/?Type=file&Name="+name, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		b.Fatalf("upload: %d %s", res.StatusCode, raw)
	}
	var doc struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	return doc.Data.ID
}
