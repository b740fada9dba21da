package services

import (
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/require"
	"github.com/dop251/goja_nodejs/url"
)

//go:embed prelude.js
var preludeSource string

// nodeVersion is what process.version says: the Node release whose
// built-in modules nodelib follows, for bundles that check it.
const nodeVersion = "v20.0.0"

// keepAliveMillis is the delay of the placeholder timer that keeps the event
// loop running while a fetch is in flight (it is always cleared before).
const keepAliveMillis = 24 * 3600 * 1000

// setup installs the sandbox API into vm. It runs on the loop goroutine.
func (s *sandbox) setup(vm *goja.Runtime) error {
	vm.SetPromiseRejectionTracker(s.trackRejection)
	var ok bool
	if s.setTimeout, ok = goja.AssertFunction(vm.Get("setTimeout")); !ok {
		return errors.New("event loop has no setTimeout")
	}
	if s.clearTimeout, ok = goja.AssertFunction(vm.Get("clearTimeout")); !ok {
		return errors.New("event loop has no clearTimeout")
	}
	for _, name := range []string{"setTimeout", "setInterval", "setImmediate"} {
		if err := s.wrapTimer(vm, name); err != nil {
			return err
		}
	}
	// The Go url and util modules of the registry are taken before
	// require() is replaced: URL and URLSearchParams stay Go's, and
	// console formats with Go's util.format without loading nodelib.
	url.Enable(vm)
	format, err := utilFormat(vm)
	if err != nil {
		return err
	}
	if err := s.wrapRequire(vm); err != nil {
		return err
	}
	s.setProcess(vm)
	if err := vm.Set("global", vm.GlobalObject()); err != nil {
		return err
	}
	// Buffer and the Web Crypto subset come from nodelib, on first use.
	if err := s.lazyGlobal(vm, "Buffer", "buffer", "Buffer"); err != nil {
		return err
	}
	if err := s.lazyGlobal(vm, "crypto", "crypto", "webcrypto"); err != nil {
		return err
	}
	return s.runPrelude(vm, format)
}

// trackRejection keeps the promises rejected with no handler yet.
func (s *sandbox) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		s.rejections = append(s.rejections, p)
	case goja.PromiseRejectionHandle:
		for i, q := range s.rejections {
			if q == p {
				s.rejections = append(s.rejections[:i], s.rejections[i+1:]...)
				break
			}
		}
	}
}

// wrapTimer replaces a timer function so that an exception thrown by its
// callback ends the run (the event loop would otherwise drop it).
func (s *sandbox) wrapTimer(vm *goja.Runtime, name string) error {
	orig, ok := goja.AssertFunction(vm.Get(name))
	if !ok {
		return fmt.Errorf("event loop has no %s", name)
	}
	return vm.Set(name, func(call goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(call.Argument(0))
		if !ok {
			panic(vm.NewTypeError(name + ": the callback must be a function"))
		}
		guarded := vm.ToValue(func(inner goja.FunctionCall) goja.Value {
			_, err := fn(goja.Undefined(), inner.Arguments...)
			s.noteErr(err)
			return goja.Undefined()
		})
		args := append([]goja.Value{guarded}, call.Arguments[1:]...)
		v, err := orig(goja.Undefined(), args...)
		if err != nil {
			panic(err)
		}
		return v
	})
}

// wrapRequire replaces require() with one that only gives out the Node
// built-in modules of nodelib (see nodeBuiltins), and a clear error for
// anything else: there are no files to load modules from.
func (s *sandbox) wrapRequire(vm *goja.Runtime) error {
	if _, ok := goja.AssertFunction(vm.Get("require")); !ok {
		return errors.New("registry did not install require")
	}
	errorCtor := vm.Get("Error")
	return vm.Set("require", func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		builtin := builtinName(name)
		if builtin == "" {
			e, err := vm.New(errorCtor, vm.ToValue(fmt.Sprintf(
				"Cannot find module %q: the sandbox has no files to load modules from, only Node's built-in modules (%s); bundle the service's dependencies",
				name, builtinList())))
			if err != nil {
				panic(err)
			}
			_ = e.Set("code", "MODULE_NOT_FOUND")
			panic(e)
		}
		v, err := s.nodeModule(vm, builtin)
		if err != nil {
			panic(err)
		}
		return v
	})
}

// builtinList names the built-in modules, sorted, for error messages.
func builtinList() string {
	names := make([]string, 0, len(nodeBuiltins))
	for n := range nodeBuiltins {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// utilFormat returns node's util.format from the built-in util module.
func utilFormat(vm *goja.Runtime) (goja.Value, error) {
	util, ok := require.Require(vm, "util").(*goja.Object)
	if !ok {
		return nil, errors.New("util module is not an object")
	}
	format := util.Get("format")
	if _, ok := goja.AssertFunction(format); !ok {
		return nil, errors.New("util.format is not a function")
	}
	return format, nil
}

// emitLog is the native sink of console.*: (level, message).
func (s *sandbox) emitLog(call goja.FunctionCall) goja.Value {
	level := call.Argument(0).String()
	switch level {
	case LevelDebug, LevelInfo, LevelWarning, LevelError:
	default:
		level = LevelInfo
	}
	s.out.log(level, call.Argument(1).String())
	return goja.Undefined()
}

// setProcess installs a minimal process object built by hand: the host's
// environment never enters the runtime.
func (s *sandbox) setProcess(vm *goja.Runtime) {
	env := vm.NewObject()
	for k, v := range s.spec.Env {
		_ = env.Set(k, v)
	}
	proc := vm.NewObject()
	_ = proc.Set("env", env)
	_ = proc.Set("argv", []any{"cozy-sandbox", s.spec.Name})
	_ = proc.Set("cwd", func(goja.FunctionCall) goja.Value {
		if s.fs.dir == "" {
			return vm.ToValue("/")
		}
		return vm.ToValue(s.fs.dir)
	})
	_ = proc.Set("platform", "linux")
	_ = proc.Set("arch", nodeArch())
	_ = proc.Set("pid", 1)
	_ = proc.Set("version", nodeVersion)
	versions := vm.NewObject()
	_ = versions.Set("node", strings.TrimPrefix(nodeVersion, "v"))
	_ = proc.Set("versions", versions)
	release := vm.NewObject()
	_ = release.Set("name", "node")
	_ = proc.Set("release", release)
	start := time.Now()
	// hrtime and uptime on Go's monotonic clock, as Node's.
	hrtime := func(call goja.FunctionCall) goja.Value {
		d := time.Since(start)
		sec, nsec := int64(d/time.Second), int64(d%time.Second)
		if prev, ok := call.Argument(0).Export().([]any); ok && len(prev) == 2 {
			ps, _ := prev[0].(int64)
			pn, _ := prev[1].(int64)
			sec, nsec = sec-ps, nsec-pn
			if nsec < 0 {
				sec, nsec = sec-1, nsec+int64(time.Second)
			}
		}
		return vm.ToValue([]any{sec, nsec})
	}
	hr := vm.ToValue(hrtime).(*goja.Object)
	_ = hr.Set("bigint", func(goja.FunctionCall) goja.Value {
		v, err := vm.RunString(fmt.Sprintf("%dn", time.Since(start).Nanoseconds()))
		if err != nil {
			panic(err)
		}
		return v
	})
	_ = proc.Set("hrtime", hr)
	_ = proc.Set("uptime", func(goja.FunctionCall) goja.Value { return vm.ToValue(time.Since(start).Seconds()) })
	// memoryUsage reports the Go heap, which holds every JS value.
	_ = proc.Set("memoryUsage", func(goja.FunctionCall) goja.Value {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := vm.NewObject()
		_ = m.Set("rss", ms.Sys)
		_ = m.Set("heapTotal", ms.HeapSys)
		_ = m.Set("heapUsed", ms.HeapAlloc)
		_ = m.Set("external", 0)
		_ = m.Set("arrayBuffers", 0)
		return m
	})
	_ = proc.Set("exit", func(call goja.FunctionCall) goja.Value {
		code := 0
		if a := call.Argument(0); !goja.IsUndefined(a) && !goja.IsNull(a) {
			code = int(a.ToInteger())
		}
		s.exited, s.exitCode = true, code
		vm.Interrupt(exitSignal{code: code})
		s.loop.StopNoWait()
		return goja.Undefined()
	})
	_ = vm.Set("process", proc)
	// A bundle for Node reads its module's location: the service's
	// files are not on disk here, so it is the scratch directory.
	dir := s.fs.dir
	if dir == "" {
		dir = "/"
	}
	_ = vm.Set("__dirname", dir)
	_ = vm.Set("__filename", path.Join(dir, s.spec.Name+".js"))
	// Node runs a script as the main CommonJS module; bundles for Node
	// end with module.exports = ... and may test require.main === module.
	module := vm.NewObject()
	exports := vm.NewObject()
	_ = module.Set("exports", exports)
	_ = module.Set("id", ".")
	_ = module.Set("filename", path.Join(dir, s.spec.Name+".js"))
	_ = module.Set("loaded", false)
	_ = module.Set("children", vm.NewArray())
	_ = module.Set("paths", vm.NewArray())
	_ = vm.Set("module", module)
	_ = vm.Set("exports", exports)
	if req, ok := vm.Get("require").(*goja.Object); ok {
		_ = req.Set("main", module)
	}
}

// runPrelude runs prelude.js, which defines console, fetch, Headers,
// Response, TextEncoder, TextDecoder, atob, btoa, queueMicrotask and
// process.nextTick on top of the Go helpers passed to it.
func (s *sandbox) runPrelude(vm *goja.Runtime, format goja.Value) error {
	v, err := vm.RunScript("prelude.js", preludeSource)
	if err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return errors.New("prelude is not a function")
	}
	_, err = fn(goja.Undefined(),
		vm.GlobalObject(),
		vm.ToValue(s.goFetch),
		vm.ToValue(func(call goja.FunctionCall) goja.Value { return utf8Encode(vm, call) }),
		vm.ToValue(func(call goja.FunctionCall) goja.Value { return utf8Decode(vm, call) }),
		vm.ToValue(func(call goja.FunctionCall) goja.Value { return base64Encode(vm, call) }),
		vm.ToValue(func(call goja.FunctionCall) goja.Value { return base64Decode(vm, call) }),
		vm.ToValue(s.emitLog),
		format,
	)
	if err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	return nil
}

// keepAlive holds the event loop open until the returned release is called.
// Both must run on the loop goroutine.
func (s *sandbox) keepAlive() (release func()) {
	noop := s.vm.ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	ref, err := s.setTimeout(goja.Undefined(), noop, s.vm.ToValue(keepAliveMillis))
	if err != nil {
		return func() {}
	}
	return func() { _, _ = s.clearTimeout(goja.Undefined(), ref) }
}

// bytesOf returns the bytes of an ArrayBuffer or ArrayBuffer view.
func bytesOf(vm *goja.Runtime, v goja.Value) ([]byte, bool) {
	switch x := v.Export().(type) {
	case goja.ArrayBuffer:
		return x.Bytes(), true
	case []byte:
		return x, true
	}
	return nil, false
}

// utf8Encode: (string) -> ArrayBuffer of its UTF-8 bytes.
func utf8Encode(vm *goja.Runtime, call goja.FunctionCall) goja.Value {
	return vm.ToValue(vm.NewArrayBuffer([]byte(call.Argument(0).String())))
}

// utf8Decode: (ArrayBuffer) -> string, invalid sequences replaced, a
// leading BOM dropped.
func utf8Decode(vm *goja.Runtime, call goja.FunctionCall) goja.Value {
	b, ok := bytesOf(vm, call.Argument(0))
	if !ok {
		panic(vm.NewTypeError("decode: expected an ArrayBuffer"))
	}
	str := strings.TrimPrefix(strings.ToValidUTF8(string(b), "\uFFFD"), "\uFEFF")
	return vm.ToValue(str)
}

// base64Encode implements btoa: a string of code points below 256 to base64.
func base64Encode(vm *goja.Runtime, call goja.FunctionCall) goja.Value {
	str := call.Argument(0).String()
	b := make([]byte, 0, len(str))
	for _, r := range str {
		if r > 0xFF {
			panic(vm.NewTypeError("btoa: the string contains characters outside of the Latin1 range"))
		}
		b = append(b, byte(r))
	}
	return vm.ToValue(base64.StdEncoding.EncodeToString(b))
}

// base64Decode implements atob: base64 to a string of code points below 256.
func base64Decode(vm *goja.Runtime, call goja.FunctionCall) goja.Value {
	str := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r' {
			return -1
		}
		return r
	}, call.Argument(0).String())
	str = strings.TrimRight(str, "=")
	b, err := base64.RawStdEncoding.DecodeString(str)
	if err != nil {
		panic(vm.NewTypeError("atob: the string is not valid base64"))
	}
	runes := make([]rune, len(b))
	for i, c := range b {
		runes[i] = rune(c)
	}
	return vm.ToValue(string(runes))
}
