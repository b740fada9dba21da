package services

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"

	"github.com/dop251/goja"
)

// maxRandomBytes bounds one request for random bytes.
const maxRandomBytes = 1 << 26

// hashes are the digests the crypto module offers, by Node's names.
var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New,
}

// hashNames lists the keys of hashes, sorted, for crypto.getHashes.
var hashNames = []any{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}

// newHash returns the hash constructor for a Node algorithm name or throws.
func newHash(vm *goja.Runtime, alg string) func() hash.Hash {
	h, ok := hashes[strings.ToLower(strings.ReplaceAll(alg, "-", ""))]
	if !ok {
		e, _ := vm.New(vm.Get("Error"), vm.ToValue("Digest method not supported: "+alg))
		_ = e.Set("code", "ERR_CRYPTO_INVALID_DIGEST")
		panic(e)
	}
	return h
}

// hashObject wraps a running hash as {update(ArrayBuffer), digest()}.
func hashObject(vm *goja.Runtime, h hash.Hash) *goja.Object {
	o := vm.NewObject()
	_ = o.Set("update", func(call goja.FunctionCall) goja.Value {
		b, ok := bytesOf(vm, call.Argument(0))
		if !ok {
			panic(vm.NewTypeError("hash.update: expected an ArrayBuffer"))
		}
		h.Write(b)
		return goja.Undefined()
	})
	_ = o.Set("digest", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(vm.NewArrayBuffer(h.Sum(nil)))
	})
	return o
}

// cryptoObject returns the JS object of the native crypto helpers.
func cryptoObject(vm *goja.Runtime) *goja.Object {
	o := vm.NewObject()
	_ = o.Set("hashes", hashNames)
	_ = o.Set("hash", func(call goja.FunctionCall) goja.Value {
		return hashObject(vm, newHash(vm, call.Argument(0).String())())
	})
	_ = o.Set("hmac", func(call goja.FunctionCall) goja.Value {
		h := newHash(vm, call.Argument(0).String())
		key, ok := bytesOf(vm, call.Argument(1))
		if !ok {
			panic(vm.NewTypeError("hmac: expected an ArrayBuffer key"))
		}
		return hashObject(vm, hmac.New(h, key))
	})
	_ = o.Set("random", func(call goja.FunctionCall) goja.Value {
		n := call.Argument(0).ToInteger()
		if n < 0 || n > maxRandomBytes {
			panic(vm.NewGoError(rangeError("random bytes: size out of range")))
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return vm.ToValue(vm.NewArrayBuffer(b))
	})
	_ = o.Set("pbkdf2", func(call goja.FunctionCall) goja.Value {
		pass, ok1 := bytesOf(vm, call.Argument(0))
		salt, ok2 := bytesOf(vm, call.Argument(1))
		if !ok1 || !ok2 {
			panic(vm.NewTypeError("pbkdf2: expected ArrayBuffers"))
		}
		iter, keyLen := call.Argument(2).ToInteger(), call.Argument(3).ToInteger()
		if iter < 1 || iter > 1<<30 || keyLen < 0 || keyLen > 1<<20 {
			panic(vm.NewTypeError("pbkdf2: iterations or key length out of range"))
		}
		key, err := pbkdf2.Key(newHash(vm, call.Argument(4).String()), string(pass), salt, int(iter), int(keyLen))
		if err != nil {
			panic(vm.NewGoError(err))
		}
		return vm.ToValue(vm.NewArrayBuffer(key))
	})
	return o
}

// rangeError is a plain error whose message says it is a range error.
type rangeError string

func (e rangeError) Error() string { return "RangeError: " + string(e) }
