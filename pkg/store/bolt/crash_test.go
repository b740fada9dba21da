package bolt

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/store"
)

const (
	crashChildEnv  = "COZY_STORE_CRASH_CHILD"
	crashShrinkEnv = "COZY_STORE_CRASH_SHRINK" // step[:n]: shrink in a loop, die at step of the nth
)

// crashChild writes forever from several goroutines (single puts, updates
// and bulk writes) and prints "id rev" for every acknowledged write.
func crashChild(path string) {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	db := s.DB("io.cozy.crash")
	var out sync.Mutex
	ack := func(id, rev string) {
		out.Lock()
		os.Stdout.WriteString(id + " " + rev + "\n") // unbuffered: one write(2)
		out.Unlock()
	}
	ctx := context.Background()
	pid := os.Getpid()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("p%d-g%d-%d", pid, g, i)
				switch i % 3 {
				case 0, 1:
					res, err := db.Put(ctx, store.Doc{ID: id, Body: json.RawMessage(`{"i":` + fmt.Sprint(i) + `}`)}, store.PutOptions{})
					if err != nil {
						fmt.Fprintln(os.Stderr, "put:", err)
						os.Exit(4)
					}
					ack(id, res.Rev)
					if i%3 == 1 {
						res, err = db.Put(ctx, store.Doc{ID: id, Rev: res.Rev, Body: json.RawMessage(`{"updated":true}`)}, store.PutOptions{})
						if err != nil {
							fmt.Fprintln(os.Stderr, "update:", err)
							os.Exit(4)
						}
						ack(id, res.Rev)
					}
				case 2:
					docs := []json.RawMessage{
						json.RawMessage(`{"_id":"` + id + `-a"}`),
						json.RawMessage(`{"_id":"` + id + `-b"}`),
					}
					res, err := db.BulkDocs(ctx, docs, true)
					if err != nil {
						fmt.Fprintln(os.Stderr, "bulk:", err)
						os.Exit(4)
					}
					for _, r := range res {
						ack(r.ID, r.Rev)
					}
				}
			}
		}()
	}
	// Attachments: each content is written as a blob, fsynced, then its
	// document committed; an acknowledged one must be readable after a
	// kill, and a blob whose document was not committed swept.
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("att-p%d-g%d-%d", pid, g, i)
				res, err := db.PutAttachment(ctx, id, "", "f.bin", "application/x-test", strings.NewReader(attContent(id)))
				if err != nil {
					fmt.Fprintln(os.Stderr, "put attachment:", err)
					os.Exit(4)
				}
				ack(id, res.Rev)
			}
		}()
	}
	if spec, ok := os.LookupEnv(crashShrinkEnv); ok {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shrinker(s, spec)
		}()
	}
	wg.Wait()
}

// shrinker rewrites the store file in a loop while the writers write.
// With spec "step:n" it kills its own process at that step of the nth
// rewrite; with "" it runs until the parent kills it.
func shrinker(s *Store, spec string) {
	step, nth, _ := strings.Cut(spec, ":")
	var count int
	fmt.Sscan(nth, &count)
	done := 0
	shrinkHook = func(at string) {
		if at == step && done+1 == count {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	for {
		if _, _, _, err := s.Shrink(context.Background(), -1); err != nil {
			fmt.Fprintln(os.Stderr, "shrink:", err)
			os.Exit(4)
		}
		done++
	}
}

// attContent is the attachment content of document id in the crash test.
func attContent(id string) string { return strings.Repeat(id+"\n", 2000) }

func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(7, 11))
	acked := map[string]string{} // id -> latest acknowledged rev
	const kills = 20
	for round := 0; round < kills; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of acknowledged writes, with a time cap.
		target := 1 + rng.IntN(200)
		deadline := time.After(5 * time.Second)
		n := 0
	wait:
		for n < target {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				recordAck(acked, l)
				n++
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // acknowledgements printed before death
			recordAck(acked, l)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child did not die by SIGKILL: %v\n%s", round, err, stderr.String())
		}
		verifyAfterCrash(t, path, acked)
	}
	if len(acked) < kills {
		t.Fatalf("only %d writes acknowledged in %d rounds", len(acked), kills)
	}
	t.Logf("%d rounds, %d documents acknowledged and found", kills, len(acked))
}

// TestCrashDuringShrink kills a writing process while its store file is
// rewritten and swapped: at each step of the swap (after the copy, after
// closing the old file, after the rename, after the directory's fsync)
// and at random moments. Every acknowledged write must be found, in a
// consistent file, with no leftover copy.
func TestCrashDuringShrink(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes: not in -short")
	}
	path := filepath.Join(t.TempDir(), "shrink.db")
	rng := rand.New(rand.NewPCG(3, 5))
	acked := map[string]string{}
	rounds := 0
	for _, step := range []string{"copied", "closed", "renamed", "synced", "", ""} {
		for n := 1; n <= 3; n++ {
			spec := ""
			if step != "" {
				spec = fmt.Sprintf("%s:%d", step, n)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashShrinkEnv+"="+spec)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 1024)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			// A child with a step dies by itself; the others are killed
			// after a random number of acknowledged writes. Both with a
			// time cap.
			target := 1 << 30
			if step == "" {
				target = 50 + rng.IntN(500)
			}
			deadline := time.After(30 * time.Second)
			got := 0
		wait:
			for got < target {
				select {
				case l, ok := <-lines:
					if !ok {
						break wait
					}
					recordAck(acked, l)
					got++
				case <-deadline:
					if step != "" {
						t.Errorf("%q: the child did not reach its step in 30 s", spec)
					}
					break wait
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			for l := range lines {
				recordAck(acked, l)
			}
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("%q: child did not die by SIGKILL: %v\n%s", spec, err, stderr.String())
			}
			verifyAfterCrash(t, path, acked)
			if _, err := os.Stat(path + shrinkSuffix); !os.IsNotExist(err) {
				t.Fatalf("%q: the copy is left after reopening: %v", spec, err)
			}
			rounds++
		}
	}
	t.Logf("%d kills during shrinks, %d documents acknowledged and found", rounds, len(acked))
}

func recordAck(acked map[string]string, line string) {
	id, rev, ok := strings.Cut(line, " ")
	if !ok {
		return // torn last line
	}
	if old, ok := acked[id]; !ok || old < rev {
		acked[id] = rev
	}
}

func verifyAfterCrash(t *testing.T, path string, acked map[string]string) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	if err := s.db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("store not clean after kill: %v", err)
	}
	db := s.DB("io.cozy.crash")
	ctx := context.Background()
	for id, rev := range acked {
		doc, err := db.Get(ctx, id, store.GetOptions{})
		if err != nil {
			t.Fatalf("acknowledged %s %s lost: %v", id, rev, err)
		}
		if doc.Rev < rev { // same generation digit count (1- or 2-)
			t.Fatalf("acknowledged %s %s but found %s", id, rev, doc.Rev)
		}
		if strings.HasPrefix(id, "att-") {
			_, rd, err := db.OpenAttachment(ctx, id, "", "f.bin")
			if err != nil {
				t.Fatalf("acknowledged attachment of %s lost: %v", id, err)
			}
			b, err := io.ReadAll(rd)
			rd.Close()
			if err != nil || string(b) != attContent(id) {
				t.Fatalf("attachment of %s: %d bytes, %v", id, len(b), err)
			}
		}
	}
	checkNoOrphanBlobs(t, s)
	info, err := db.Info(ctx)
	if err != nil && len(acked) > 0 {
		t.Fatal(err)
	}
	ch, _ := db.Changes(ctx, store.ChangesOptions{})
	if int64(len(ch.Results)) != info.DocCount+info.DocDelCount {
		t.Fatalf("changes %d != docs %d", len(ch.Results), info.DocCount)
	}
}
