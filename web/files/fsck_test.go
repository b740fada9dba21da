package files_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
)

func TestFsck(t *testing.T) {
	e := newEnv(t, 0)
	e.upload("", "a.txt", "a")
	if code, _, b := e.do("GET", "/files/fsck?VerifyMD5=true", nil, nil); code != 200 || len(b) != 0 {
		t.Fatalf("clean fsck: %d %s", code, b)
	}
	tmp := filepath.Join(e.Instances.Dir(e.Inst), "files", "tmp", "upload-crashed")
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, b := e.do("GET", "/files/fsck", nil, nil)
	if code != 200 || !strings.Contains(string(b), `"type":"temporary_file"`) || !strings.Contains(string(b), `"repaired":false`) {
		t.Fatalf("fsck report: %d %s", code, b)
	}
	code, _, b = e.do("POST", "/files/fsck", nil, nil)
	if code != 200 || !strings.Contains(string(b), `"repaired":true`) {
		t.Fatalf("fsck repair: %d %s", code, b)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file left: %v", err)
	}
	tok, _ := e.Inst.Issue(token.Access, "client1", "io.cozy.files")
	e.token = tok
	if code, _, _ = e.do("GET", "/files/fsck", nil, nil); code == 200 {
		t.Fatal("fsck allowed to a non-CLI token")
	}
}
