package vfs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cozypi/cozy/pkg/store/bolt"
)

const crashEnv = "VFS_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func crashBody(i int) []byte {
	return bytes.Repeat([]byte{byte(i)}, 64<<10+i)
}

// crashChild uploads and overwrites files forever, printing each committed
// upload's number, until it is killed.
func crashChild(dir string) {
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fs, err := Open(ctx, st, Options{Dir: filepath.Join(dir, "files")})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	var first *File
	for i := 0; ; i++ {
		body := crashBody(i)
		f, err := fs.CreateFile(ctx, FileOptions{Name: fmt.Sprintf("f%d", i), Size: int64(len(body))}, bytes.NewReader(body))
		if err != nil {
			fmt.Println("error", err)
			return
		}
		if first == nil {
			first = f
		} else if first, err = fs.Overwrite(ctx, first.ID, FileOptions{Size: int64(len(body))}, bytes.NewReader(body)); err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("ok", i)
	}
}

// TestCrashDuringUploads kills a process that is uploading and checks that
// every document still points to complete content and that Check cleans
// what the kill left.
func TestCrashDuringUploads(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	acked := -1
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", line)
		}
		fmt.Sscanf(line, "ok %d", &acked)
		if acked >= 30 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := Open(ctx, st, Options{Dir: filepath.Join(dir, "files")})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	<-fs.Swept() // Open cleans what it can; Check finds the rest
	ps, err := fs.Check(ctx, CheckOptions{Repair: true, VerifyMD5: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Kind != ProblemOrphanContent && p.Kind != ProblemTempFile {
			t.Errorf("crash left %+v", p)
		}
	}
	if ps, _ := fs.Check(ctx, CheckOptions{VerifyMD5: true}); len(ps) != 0 {
		t.Fatalf("after repair: %+v", ps)
	}
	for i := 0; i <= acked; i++ {
		f, err := fs.GetByPath(ctx, fmt.Sprintf("/f%d", i))
		if err != nil {
			t.Fatalf("acknowledged upload %d lost: %v", i, err)
		}
		if i > 0 && f.Size != int64(len(crashBody(i))) {
			t.Fatalf("f%d has size %d", i, f.Size)
		}
	}
}
