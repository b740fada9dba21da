package services

import (
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"

	"github.com/dop251/goja"
)

// nodelibSource is the bundle of Node built-in modules (nodelib/build.sh).
//
//go:embed nodelib/nodelib.js
var nodelibSource string

// nodeBuiltins are the modules require() gives out, served from nodelib.
// Any of them may also be required with the "node:" prefix.
var nodeBuiltins = map[string]bool{
	"assert": true, "buffer": true, "child_process": true, "crypto": true, "events": true,
	"fs": true, "fs/promises": true, "http": true, "https": true, "os": true, "path": true,
	"path/posix": true, "punycode": true, "querystring": true, "stream": true,
	"stream/promises": true, "string_decoder": true, "timers": true, "url": true,
	"util": true, "util/types": true, "zlib": true,
}

// builtinName returns the nodelib name of a require() argument, or "".
func builtinName(name string) string {
	n := strings.TrimPrefix(name, "node:")
	if nodeBuiltins[n] {
		return n
	}
	return ""
}

// nodeModule returns the exports of a built-in module, loading nodelib on
// first use: scripts that need none of them do not pay for its compile.
// It runs on the loop goroutine.
func (s *sandbox) nodeModule(vm *goja.Runtime, name string) (goja.Value, error) {
	if v, ok := s.modules[name]; ok {
		return v, nil
	}
	if s.nodelib == nil {
		v, err := vm.RunScript("nodelib.js",
			"(function () { var module = { exports: {} }, exports = module.exports;\n"+nodelibSource+"\nreturn module.exports; })()")
		if err != nil {
			return nil, fmt.Errorf("loading the node modules: %w", err)
		}
		install, ok := goja.AssertFunction(v)
		if !ok {
			return nil, errors.New("nodelib does not export a function")
		}
		table, err := install(goja.Undefined(), s.nodeHost(vm))
		if err != nil {
			return nil, fmt.Errorf("installing the node modules: %w", err)
		}
		s.nodelib = table.ToObject(vm)
	}
	thunk, ok := goja.AssertFunction(s.nodelib.Get(name))
	if !ok {
		return nil, fmt.Errorf("nodelib has no module %q", name)
	}
	v, err := thunk(goja.Undefined())
	if err != nil {
		return nil, err
	}
	s.modules[name] = v
	return v, nil
}

// nodeHost is the object of Go helpers handed to nodelib's install.
func (s *sandbox) nodeHost(vm *goja.Runtime) *goja.Object {
	h := vm.NewObject()
	_ = h.Set("fetch", s.goFetch)
	_ = h.Set("fs", s.fs.object(vm))
	_ = h.Set("crypto", cryptoObject(vm))
	codes := vm.NewObject()
	for c := 100; c < 600; c++ {
		if t := http.StatusText(c); t != "" {
			_ = codes.Set(fmt.Sprint(c), t)
		}
	}
	_ = h.Set("statusCodes", codes)
	_ = h.Set("scratch", s.fs.dir)
	_ = h.Set("arch", nodeArch())
	_ = h.Set("memory", s.spec.MemoryBytes)
	return h
}

// nodeArch returns process.arch's name for this machine.
func nodeArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x64"
	case "386":
		return "ia32"
	}
	return runtime.GOARCH
}

// lazyGlobal defines a global that loads a built-in module's export on
// first access (Buffer, crypto), then becomes a plain value.
func (s *sandbox) lazyGlobal(vm *goja.Runtime, global, module, export string) error {
	g := vm.GlobalObject()
	getter := vm.ToValue(func(goja.FunctionCall) goja.Value {
		m, err := s.nodeModule(vm, module)
		if err != nil {
			panic(vm.NewGoError(err))
		}
		v := m.ToObject(vm).Get(export)
		_ = g.DefineDataProperty(global, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		return v
	})
	setter := vm.ToValue(func(call goja.FunctionCall) goja.Value {
		_ = g.DefineDataProperty(global, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		return goja.Undefined()
	})
	return g.DefineAccessorProperty(global, getter, setter, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
