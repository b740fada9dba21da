package services

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/dop251/goja"
)

// scratchFS is the native half of the fs module: every path is confined
// to the run's scratch directory through an os.Root, which also refuses
// symbolic links and ".." that lead out of it; written bytes are capped.
type scratchFS struct {
	dir   string // absolute path of the scratch directory ("" when none)
	limit int64  // bytes the run may write in total

	once    sync.Once
	root    *os.Root
	openErr error
	written int64
}

// errOutside is the error of a path outside the scratch directory.
var errOutside = errors.New("outside the service's scratch directory")

// errNoSpace is the error of a write past the scratch limit.
var errNoSpace = errors.New("scratch directory limit reached")

// open opens the root on first use.
func (f *scratchFS) open() (*os.Root, error) {
	f.once.Do(func() {
		if f.dir == "" {
			f.openErr = errors.New("this run has no scratch directory")
			return
		}
		f.root, f.openErr = os.OpenRoot(f.dir)
	})
	return f.root, f.openErr
}

// close closes the root; the runner removes the directory.
func (f *scratchFS) close() {
	if f.root != nil {
		_ = f.root.Close()
	}
}

// rel maps a path as the script sees it (absolute under the scratch
// directory, or relative to it, the current directory) to a path inside
// the root.
func (f *scratchFS) rel(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", syscall.EINVAL
	}
	if f.dir == "" {
		return "", errOutside
	}
	var rel string
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(f.dir, filepath.Clean(p))
		if err != nil {
			return "", errOutside
		}
		rel = r
	} else {
		rel = filepath.Clean(p)
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", errOutside
	}
	return rel, nil
}

// errCode returns the Node error code and description of err.
func errCode(err error) (string, string) {
	var errno syscall.Errno
	switch {
	case errors.Is(err, errOutside):
		return "EACCES", "permission denied (" + errOutside.Error() + ")"
	case errors.Is(err, errNoSpace):
		return "ENOSPC", "no space left on device (" + errNoSpace.Error() + ")"
	case errors.Is(err, fs.ErrNotExist):
		return "ENOENT", "no such file or directory"
	case errors.Is(err, fs.ErrExist):
		return "EEXIST", "file already exists"
	case errors.As(err, &errno):
		switch errno {
		case syscall.ENOTDIR:
			return "ENOTDIR", "not a directory"
		case syscall.EISDIR:
			return "EISDIR", "illegal operation on a directory"
		case syscall.ENOTEMPTY:
			return "ENOTEMPTY", "directory not empty"
		case syscall.EACCES, syscall.EPERM:
			return "EACCES", "permission denied"
		case syscall.EINVAL:
			return "EINVAL", "invalid argument"
		}
	case strings.Contains(err.Error(), "escapes from parent"), strings.Contains(err.Error(), "path escapes"):
		return "EACCES", "permission denied (" + errOutside.Error() + ")"
	}
	return "EIO", err.Error()
}

// throw panics with a Node-style error (code, syscall, path).
func (f *scratchFS) throw(vm *goja.Runtime, syscallName, p string, err error) {
	code, desc := errCode(err)
	e, cerr := vm.New(vm.Get("Error"), vm.ToValue(fmt.Sprintf("%s: %s, %s '%s'", code, desc, syscallName, p)))
	if cerr != nil {
		panic(cerr)
	}
	_ = e.Set("code", code)
	_ = e.Set("syscall", syscallName)
	_ = e.Set("path", p)
	panic(e)
}

// object returns the JS object of the native fs helpers.
func (f *scratchFS) object(vm *goja.Runtime) *goja.Object {
	o := vm.NewObject()
	// prep resolves the path argument and opens the root, or throws.
	prep := func(call goja.FunctionCall, i int, sys string) (*os.Root, string, string) {
		p := call.Argument(i).String()
		rel, err := f.rel(p)
		if err != nil {
			f.throw(vm, sys, p, err)
		}
		root, err := f.open()
		if err != nil {
			f.throw(vm, sys, p, err)
		}
		return root, rel, p
	}
	_ = o.Set("readFile", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "open")
		b, err := root.ReadFile(rel)
		if err != nil {
			f.throw(vm, "open", p, err)
		}
		return vm.ToValue(vm.NewArrayBuffer(b))
	})
	_ = o.Set("writeFile", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "open")
		data, ok := bytesOf(vm, call.Argument(1))
		if !ok {
			panic(vm.NewTypeError("writeFile: expected an ArrayBuffer"))
		}
		flag := os.O_WRONLY | os.O_CREATE
		switch fl := call.Argument(2).String(); strings.TrimSuffix(strings.TrimSuffix(fl, "+"), "s") {
		case "w":
			flag |= os.O_TRUNC
		case "wx", "xw":
			flag |= os.O_TRUNC | os.O_EXCL
		case "a":
			flag |= os.O_APPEND
		case "ax", "xa":
			flag |= os.O_APPEND | os.O_EXCL
		default:
			panic(vm.NewTypeError(fmt.Sprintf("writeFile: unsupported flag %q", fl)))
		}
		if f.written+int64(len(data)) > f.limit {
			f.throw(vm, "write", p, errNoSpace)
		}
		file, err := root.OpenFile(rel, flag, 0o600)
		if err != nil {
			f.throw(vm, "open", p, err)
		}
		n, err := file.Write(data)
		f.written += int64(n)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			f.throw(vm, "write", p, err)
		}
		return goja.Undefined()
	})
	_ = o.Set("stat", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "stat")
		var fi fs.FileInfo
		var err error
		if call.Argument(1).ToBoolean() {
			fi, err = root.Stat(rel)
		} else {
			fi, err = root.Lstat(rel)
		}
		if err != nil {
			f.throw(vm, "stat", p, err)
		}
		st := vm.NewObject()
		_ = st.Set("type", fileType(fi.Mode()))
		_ = st.Set("size", fi.Size())
		_ = st.Set("mode", unixMode(fi.Mode()))
		_ = st.Set("mtimeMs", float64(fi.ModTime().UnixNano())/1e6)
		return st
	})
	_ = o.Set("readdir", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "scandir")
		dir, err := root.Open(rel)
		if err != nil {
			f.throw(vm, "scandir", p, err)
		}
		entries, err := dir.ReadDir(-1)
		_ = dir.Close()
		if err != nil {
			f.throw(vm, "scandir", p, err)
		}
		out := make([]any, len(entries))
		for i, e := range entries {
			out[i] = []any{e.Name(), fileType(e.Type())}
		}
		return vm.ToValue(out)
	})
	_ = o.Set("mkdir", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "mkdir")
		if call.Argument(1).ToBoolean() {
			if _, err := root.Stat(rel); err == nil {
				return goja.Undefined()
			}
			if err := root.MkdirAll(rel, 0o700); err != nil {
				f.throw(vm, "mkdir", p, err)
			}
			return vm.ToValue(p)
		}
		if err := root.Mkdir(rel, 0o700); err != nil {
			f.throw(vm, "mkdir", p, err)
		}
		return goja.Undefined()
	})
	_ = o.Set("mkdtemp", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "mkdtemp")
		var b [4]byte
		_, _ = rand.Read(b[:])
		suffix := hex.EncodeToString(b[:])[:6]
		if err := root.Mkdir(rel+suffix, 0o700); err != nil {
			f.throw(vm, "mkdtemp", p, err)
		}
		return vm.ToValue(p + suffix)
	})
	_ = o.Set("remove", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "rm")
		kind := call.Argument(1).String()
		if rel == "." {
			f.throw(vm, "rm", p, syscall.EACCES)
		}
		if kind == "all" {
			if _, err := root.Lstat(rel); err != nil {
				f.throw(vm, "rm", p, err)
			}
			if err := root.RemoveAll(rel); err != nil {
				f.throw(vm, "rm", p, err)
			}
			return goja.Undefined()
		}
		fi, err := root.Lstat(rel)
		if err != nil {
			f.throw(vm, "rm", p, err)
		}
		switch {
		case kind == "file" && fi.IsDir():
			f.throw(vm, "unlink", p, syscall.EISDIR)
		case kind == "dir" && !fi.IsDir():
			f.throw(vm, "rmdir", p, syscall.ENOTDIR)
		}
		if err := root.Remove(rel); err != nil {
			f.throw(vm, "rm", p, err)
		}
		return goja.Undefined()
	})
	_ = o.Set("rename", func(call goja.FunctionCall) goja.Value {
		root, from, p := prep(call, 0, "rename")
		_, to, _ := prep(call, 1, "rename")
		if err := root.Rename(from, to); err != nil {
			f.throw(vm, "rename", p, err)
		}
		return goja.Undefined()
	})
	_ = o.Set("realpath", func(call goja.FunctionCall) goja.Value {
		root, rel, p := prep(call, 0, "realpath")
		if _, err := root.Stat(rel); err != nil {
			f.throw(vm, "realpath", p, err)
		}
		return vm.ToValue(filepath.Join(f.dir, rel))
	})
	return o
}

// fileType names a file mode's type as the JS adapter expects.
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsRegular():
		return "file"
	}
	return "other"
}

// unixMode returns the st_mode bits Node reports.
func unixMode(m fs.FileMode) int {
	mode := int(m.Perm())
	switch {
	case m.IsDir():
		mode |= syscall.S_IFDIR
	case m&fs.ModeSymlink != 0:
		mode |= syscall.S_IFLNK
	case m.IsRegular():
		mode |= syscall.S_IFREG
	}
	return mode
}
