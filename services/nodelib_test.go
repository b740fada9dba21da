package services

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// withScratch gives an in-process run a scratch directory.
func withScratch(dir string, limit int64) func(*wireSpec) {
	return func(s *wireSpec) { s.Scratch, s.ScratchBytes = dir, limit }
}

// lastJSON decodes the last log line of a run as JSON into v.
func lastJSON(t *testing.T, logs []LogLine, end frame, v any) {
	t.Helper()
	if end.Status != statusOK {
		t.Fatalf("end %+v\nlogs %q", end, messages(logs))
	}
	if len(logs) == 0 {
		t.Fatal("no log")
	}
	if err := json.Unmarshal([]byte(logs[len(logs)-1].Message), v); err != nil {
		t.Fatalf("last log %q: %v", logs[len(logs)-1].Message, err)
	}
}

// TestNodeFS: fs works inside the run's scratch directory and refuses
// every path outside it, through "..", absolute paths or symbolic links
// planted in the directory, and caps the bytes written.
func TestNodeFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	script := `
const fs = require("fs"), path = require("path"), os = require("os"), { pipeline, Transform } = require("stream");
const out = {};
const refused = (f) => { try { f(); return "allowed"; } catch (e) { return e.code; } };
(async () => {
  out.cwd = process.cwd() === os.tmpdir() && os.tmpdir() === __dirname;
  fs.writeFileSync("a.txt", "hello");
  fs.appendFileSync(path.join(os.tmpdir(), "a.txt"), Buffer.from(" world"));
  out.read = fs.readFileSync("a.txt", "utf8");
  fs.mkdirSync("d/e", { recursive: true });
  fs.writeFileSync("d/e/f.bin", new Uint8Array([1, 2, 3]));
  out.list = fs.readdirSync(".", { withFileTypes: true }).filter((d) => !["etc", "up"].includes(d.name)).map((d) => d.name + (d.isDirectory() ? "/" : "")).sort();
  out.size = fs.statSync("d/e/f.bin").size;
  out.isFile = fs.statSync("a.txt").isFile();
  fs.renameSync("d/e/f.bin", "g.bin");
  out.moved = [fs.existsSync("d/e/f.bin"), fs.existsSync("g.bin")];
  out.promises = await fs.promises.readFile("a.txt", "utf8");
  out.callback = await new Promise((res) => fs.readFile("g.bin", (err, b) => res(err ? err.code : Array.from(b))));
  await new Promise((res, rej) => pipeline(fs.createReadStream("a.txt"),
    new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); } }),
    fs.createWriteStream("b.txt"), (err) => err ? rej(err) : res()));
  out.streamed = fs.readFileSync("b.txt", "utf8");
  fs.rmSync("d", { recursive: true });
  out.removed = fs.existsSync("d");
  out.missing = refused(() => fs.readFileSync("nope"));
  out.etcPasswd = refused(() => fs.readFileSync("/etc/passwd"));
  out.dotdot = refused(() => fs.readFileSync("../../../etc/passwd"));
  out.symlinkOut = refused(() => fs.readFileSync("etc/passwd"));
  out.symlinkUp = refused(() => fs.writeFileSync("up/escaped.txt", "x"));
  out.writeTmp = refused(() => fs.writeFileSync("/tmp/escaped.txt", "x"));
  out.mkdirRoot = refused(() => fs.mkdirSync("/escaped"));
  out.rmScratch = refused(() => fs.rmSync(os.tmpdir(), { recursive: true }));
  out.tooBig = refused(() => fs.writeFileSync("big.bin", Buffer.alloc(4096)));
  console.log(JSON.stringify(out));
})();
`
	logs, end := runInProcess(t, script, withScratch(dir, 2048))
	var got map[string]any
	lastJSON(t, logs, end, &got)
	want := map[string]any{
		"cwd": true, "read": "hello world", "list": []any{"a.txt", "d/"}, "size": 3.0, "isFile": true,
		"moved": []any{false, true}, "promises": "hello world", "callback": []any{1.0, 2.0, 3.0},
		"streamed": "HELLO WORLD", "removed": false, "missing": "ENOENT",
		"etcPasswd": "EACCES", "dotdot": "EACCES", "symlinkOut": "EACCES", "symlinkUp": "EACCES",
		"writeTmp": "EACCES", "mkdirRoot": "EACCES", "rmScratch": "EACCES", "tooBig": "ENOSPC",
	}
	for k, w := range want {
		if g, _ := json.Marshal(got[k]); string(g) != mustJSON(w) {
			t.Errorf("%s: got %s, want %s", k, g, mustJSON(w))
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "b.txt")); err != nil || string(b) != "HELLO WORLD" {
		t.Errorf("b.txt on disk: %q %v", b, err)
	}
	for _, p := range []string{"/tmp/escaped.txt", filepath.Join(filepath.Dir(dir), "escaped.txt"), "/escaped"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was created outside the scratch directory", p)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRunScratchRemoved: the runner creates a scratch directory per run
// and removes it after the run, also when the child is stopped at its
// time limit with files in it.
func TestRunScratchRemoved(t *testing.T) {
	parent := t.TempDir()
	r := Runner{ScratchDir: parent}
	for _, tt := range []struct {
		name, tail string
		wantErr    error
	}{
		{"ok", ``, nil},
		{"time limit", `for (;;) {}`, ErrTimeLimit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			script := `const fs = require("fs"); fs.mkdirSync("sub"); fs.writeFileSync("sub/f", "x".repeat(1000)); console.log(require("os").tmpdir());` + tt.tail
			res := r.Run(context.Background(), Spec{Name: "scratch", Script: []byte(script), Limits: Limits{Wall: 2 * time.Second}})
			if !errors.Is(res.Err, tt.wantErr) || len(res.Logs) != 1 {
				t.Fatalf("%v %q", res.Err, messages(res.Logs))
			}
			dir := res.Logs[0].Message
			if filepath.Dir(dir) != parent {
				t.Errorf("scratch %s is not in %s", dir, parent)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("scratch %s still there: %v", dir, err)
			}
		})
	}
}

// TestNodeHTTP: the http module reaches the allowed origin through the
// guarded client (status, headers, streamed body, POST bodies, redirects
// handed back as Node does, a gzip body through zlib), and another origin
// is refused before any connection.
func TestNodeHTTP(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	cozy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("Set-Cookie", "a=1")
			w.Header().Add("Set-Cookie", "b=2")
			_, _ = io.WriteString(w, `{"auth":"`+r.Header.Get("Authorization")+`","q":"`+r.URL.RawQuery+`"}`)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			_, _ = io.WriteString(w, r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
		case "/redirect":
			http.Redirect(w, r, "/json", http.StatusFound)
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			_, _ = io.WriteString(gz, strings.Repeat("compressed ", 1000))
			_ = gz.Close()
		}
	}))
	defer cozy.Close()
	script := `
const http = require("http"), https = require("https"), zlib = require("zlib");
const base = process.env.COZY_URL;
function get(url, opts) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, opts || {}, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (opts && opts.body) req.write(opts.body);
    req.end();
  });
}
(async () => {
  const out = {};
  const j = await get(base + "/json?x=1", { headers: { Authorization: "Bearer mine" } });
  out.json = [j.status, j.headers["content-type"], j.headers["set-cookie"], JSON.parse(j.body)];
  const e = await get(base + "/echo", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "posted body" });
  out.echo = e.body;
  const r = await get(new URL(base + "/redirect"));
  out.redirect = [r.status, r.headers.location];
  out.gzip = await new Promise((resolve, reject) => {
    http.get(base + "/gzip", { headers: { "Accept-Encoding": "gzip" } }, (res) => {
      const chunks = [];
      res.pipe(zlib.createGunzip()).on("data", (c) => chunks.push(c)).on("end", () => resolve([res.headers["content-encoding"], Buffer.concat(chunks).length])).on("error", reject);
    });
  });
  out.other = await get(` + jsString(other.URL) + ` + "/steal").then(() => "reached", (err) => err.code + " " + err.message);
  out.https = await new Promise((resolve) => https.get("https://example.com/", () => resolve("reached")).on("error", (err) => resolve(err.code)));
  out.server = (() => { try { http.createServer(); return "created"; } catch (err) { return err.code; } })();
  out.statusText = http.STATUS_CODES[404];
  console.log(JSON.stringify(out));
})();
`
	logs, end := runInProcess(t, script, func(s *wireSpec) {
		s.Env["COZY_URL"], s.Env["COZY_CREDENTIALS"] = cozy.URL, "tok"
		s.Origins = []string{cozy.URL}
	})
	var got map[string]any
	lastJSON(t, logs, end, &got)
	want := map[string]string{
		"json":       `[200,"application/json",["a=1","b=2"],{"auth":"Bearer mine","q":"x=1"}]`,
		"echo":       `"POST text/plain posted body"`,
		"redirect":   `[302,"/json"]`,
		"gzip":       `["gzip",11000]`,
		"other":      `"ERR_SANDBOX_ORIGIN fetch: origin ` + strings.ToLower(other.URL) + ` is not allowed for this service"`,
		"https":      `"ERR_SANDBOX_ORIGIN"`,
		"server":     `"ENOSYS"`,
		"statusText": `"Not Found"`,
	}
	for k, w := range want {
		if g := mustJSON(got[k]); g != w {
			t.Errorf("%s: got %s, want %s", k, g, w)
		}
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the non-allowed server got %d requests", n)
	}
}

// TestNodeCrypto: hashes, HMAC and PBKDF2 match Go's; random bytes,
// UUIDs and the global crypto.getRandomValues work.
func TestNodeCrypto(t *testing.T) {
	input := "The quick brown fox jumps over the lazy dog é"
	script := `
const crypto = require("node:crypto");
const input = ` + jsString(input) + `;
const out = {};
for (const alg of ["md5", "sha1", "sha256", "sha512"]) {
  out[alg] = crypto.createHash(alg).update(input.slice(0, 10)).update(Buffer.from(input.slice(10))).digest("hex");
}
out.sha256b64 = crypto.createHash("SHA256").update(input).digest("base64");
out.hmac = crypto.createHmac("sha256", "secret key").update(input).digest("hex");
out.pbkdf2 = crypto.pbkdf2Sync("password", "salt", 1000, 32, "sha256").toString("hex");
const a = crypto.randomBytes(32), b = crypto.randomBytes(32);
out.random = [a.length, Buffer.isBuffer(a), a.equals(b)];
out.uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID());
out.webcrypto = globalThis.crypto.getRandomValues(new Uint32Array(4)).length;
out.safeEqual = [crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")), crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ac"))];
out.unknown = (() => { try { crypto.createHash("whirlpool"); return "made"; } catch (e) { return e.code; } })();
out.hashes = crypto.getHashes();
console.log(JSON.stringify(out));
`
	logs, end := runInProcess(t, script)
	var got map[string]any
	lastJSON(t, logs, end, &got)
	sum := func(h interface{ Sum([]byte) []byte }) string { return hex.EncodeToString(h.Sum(nil)) }
	md, s1, s256, s512 := md5.New(), sha1.New(), sha256.New(), sha512.New()
	mac := hmac.New(sha256.New, []byte("secret key"))
	for _, w := range []io.Writer{md, s1, s256, s512, mac} {
		_, _ = io.WriteString(w, input)
	}
	key, err := pbkdf2.Key(sha256.New, "password", []byte("salt"), 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"md5": sum(md), "sha1": sum(s1), "sha256": sum(s256), "sha512": sum(s512),
		"sha256b64": base64.StdEncoding.EncodeToString(s256.Sum(nil)),
		"hmac":      sum(mac), "pbkdf2": hex.EncodeToString(key),
		"random": []any{32, true, false}, "uuid": true, "webcrypto": 4, "safeEqual": []any{true, false},
		"unknown": "ERR_CRYPTO_INVALID_DIGEST", "hashes": []any{"md5", "sha1", "sha224", "sha256", "sha384", "sha512"},
	}
	for k, w := range want {
		if g := mustJSON(got[k]); g != mustJSON(w) {
			t.Errorf("%s: got %s, want %s", k, g, mustJSON(w))
		}
	}
}

// TestNodePureModules: the bundled pure-JS modules behave as Node's for
// what services use them for; zlib reads Go's gzip.
func TestNodePureModules(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = io.WriteString(w, "gzipped by Go")
	_ = w.Close()
	tests := []struct{ name, expr, want string }{
		{"events", `(() => { const E = require("events"); const e = new E(); let n = 0; e.once("x", (v) => n += v); e.emit("x", 2); e.emit("x", 5); return n + "," + (E.EventEmitter === E) })()`, "2,true"},
		{"stream", `(async () => { const { Readable, Transform, pipeline } = require("stream"); const out = []; await require("stream").promises.pipeline(Readable.from(["a", "b"]), new Transform({ transform(c, e, cb) { out.push(c.toString().toUpperCase()); cb(); } })); return out.join("") })()`, "AB"},
		{"stream classes", `(() => { const S = require("stream"); return [new S.PassThrough() instanceof S, new S.Writable() instanceof S, new S.Readable() instanceof require("events"), S.Stream === S].join() })()`, "true,true,true,true"},
		{"path", `(() => { const p = require("node:path"); return [p.join("/a/b", "../c", "d.txt"), p.extname("x.tar.gz"), p.basename("/x/y.js", ".js"), p.relative("/a/b", "/a/c"), p.sep].join("|") })()`, "/a/c/d.txt|.gz|y|../c|/"},
		{"url", `(() => { const u = require("url"); const p = u.parse("http://h.example:8080/p/a?x=1#f", true); return [p.hostname, p.port, p.pathname, p.query.x, u.format({ protocol: "https", host: "h", pathname: "/z" }), u.resolve("http://h/a/b", "../c"), new u.URL("http://h/q?a=2").searchParams.get("a"), u.fileURLToPath("file:///tmp/a%20b")].join("|") })()`, "h.example|8080|/p/a|1|https://h/z|http://h/c|2|/tmp/a b"},
		{"querystring", `(() => { const q = require("querystring"); return q.stringify({ a: "1 2", b: ["x", "y"] }) + "|" + q.parse("c=3&d=%C3%A9").d })()`, "a=1%202&b=x&b=y|é"},
		{"string_decoder", `(() => { const { StringDecoder } = require("string_decoder"); const d = new StringDecoder("utf8"); const b = Buffer.from("é€"); return d.write(b.slice(0, 1)) + d.write(b.slice(1, 3)) + d.end(b.slice(3)) })()`, "é€"},
		{"util", `(() => { const u = require("util"); return [u.format("%s=%d %j", "a", 4, { b: 1 }), u.inspect({ a: [1, { b: 2 }] }), u.types.isDate(new Date()), typeof u.promisify(setTimeout), typeof u.TextEncoder, typeof u.inherits].join("|") })()`, "a=4 {\"b\":1}|{ a: [ 1, { b: 2 } ] }|true|function|function|function"},
		{"util promisify", `(async () => { const fn = require("util").promisify((a, cb) => cb(null, a * 2)); return await fn(21) })()`, "42"},
		{"assert", `(() => { const assert = require("assert"); assert.deepStrictEqual({ a: [1] }, { a: [1] }); try { assert.strictEqual(1, 2); } catch (e) { return e.code + "|" + (e instanceof assert.AssertionError) } })()`, "ERR_ASSERTION|true"},
		{"timers", `(async () => { const t = require("timers"); const h = t.setTimeout(() => {}, 1); h.unref(); t.clearTimeout(h); return await new Promise((r) => t.setImmediate(() => r("immediate"))) })()`, "immediate"},
		{"os", `(() => { const os = require("os"); return [os.platform(), os.EOL === "\n", os.tmpdir() === process.cwd(), os.hostname()].join("|") })()`, "linux|true|true|cozy-sandbox"},
		{"zlib from Go", `require("zlib").gunzipSync(Buffer.from(` + jsString(base64.StdEncoding.EncodeToString(gz.Bytes())) + `, "base64")).toString()`, "gzipped by Go"},
		{"zlib round trip", `(() => { const z = require("zlib"); const s = "abc".repeat(1000); return z.inflateSync(z.deflateSync(s)).toString() === s && z.inflateRawSync(z.deflateRawSync(s)).toString() === s })()`, "true"},
		{"buffer", `(() => { const { Buffer: B } = require("buffer"); const b = B.concat([B.from("ab"), B.alloc(2, 1)]); return [B === Buffer, B.isBuffer(b), b.readUInt32BE(0), b.toString("hex"), B.byteLength("é"), B.from("aGk=", "base64").toString()].join("|") })()`, "true|true|1633812737|61620101|2|hi"},
		{"punycode", `require("punycode").toASCII("bücher.example")`, "xn--bcher-kva.example"},
		{"process", `[process.version.startsWith("v"), process.platform, typeof process.versions.node, module.exports === exports, require.main === module].join("|")`, "true|linux|string|true|true"},
		{"process clocks", `(() => { const t = process.hrtime(); const d = process.hrtime(t); return [t.length, d[0] >= 0 && d[1] >= 0, typeof process.hrtime.bigint(), process.uptime() >= 0, process.memoryUsage().heapUsed > 0].join("|") })()`, "2|true|bigint|true|true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, end := runInProcess(t, `Promise.resolve(`+tt.expr+`).then((v) => console.log(String(v)))`, withScratch(t.TempDir(), 1<<20))
			if end.Status != statusOK {
				t.Fatalf("end %+v", end)
			}
			if len(logs) != 1 || logs[0].Message != tt.want {
				t.Errorf("got %q, want %q", messages(logs), tt.want)
			}
		})
	}
}

// TestNodeLimits: the time and memory limits hold with the node modules.
func TestNodeLimits(t *testing.T) {
	tests := []struct {
		name   string
		script string
		limits Limits
		want   error
	}{
		{"endless stream", `const { Readable } = require("stream"); new Readable({ read() { setImmediate(() => this.push("x")); } }).on("data", () => {});`, Limits{Wall: 500 * time.Millisecond}, ErrTimeLimit},
		{"endless fs loop", `const fs = require("fs"); for (;;) { fs.existsSync("x"); }`, Limits{Wall: 500 * time.Millisecond}, ErrTimeLimit},
		{"1 GiB Buffer", `const b = Buffer.alloc(1 << 30, 1); console.log(b.length)`, Limits{MemoryBytes: 256 << 20}, ErrMemoryLimit},
		{"Buffer concat loop", `let b = Buffer.alloc(1 << 20, 1); for (;;) b = Buffer.concat([b, b]);`, Limits{MemoryBytes: 256 << 20}, ErrMemoryLimit},
	}
	var r Runner
	for _, tt := range tests {
		if raceBuild && tt.want == ErrMemoryLimit {
			continue // see TestRunRefusals
		}
		t.Run(tt.name, func(t *testing.T) {
			res := r.Run(context.Background(), Spec{Name: "limits", Script: []byte(tt.script), Limits: tt.limits})
			if !errors.Is(res.Err, tt.want) {
				t.Fatalf("error %v, want %v; logs %q", res.Err, tt.want, messages(res.Logs))
			}
			if tt.limits.Wall > 0 && res.Duration > tt.limits.Wall+DefaultKillGrace+2*time.Second {
				t.Errorf("stopped after %v", res.Duration)
			}
			t.Logf("%v in %v, peak RSS %d MiB", res.Err, res.Duration.Round(time.Millisecond), res.PeakRSS>>20)
		})
	}
}

// TestNodelibIsCurrent: nodelib.js was built from the sources in the tree,
// and the package versions it bundles (LICENSES.txt) are the ones
// web/e2e/package-lock.json pins (run nodelib/build.sh after changing them).
func TestNodelibIsCurrent(t *testing.T) {
	srcs, err := filepath.Glob("nodelib/src/*.js")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("sources: %v", err)
	}
	h := sha256.New()
	for _, p := range srcs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	want := "// stamp: " + hex.EncodeToString(h.Sum(nil))
	if !strings.Contains(nodelibSource[:min(len(nodelibSource), 400)], want+"\n") {
		t.Errorf("nodelib.js is stale: run services/nodelib/build.sh (want %q in its header)", want)
	}

	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	b, err := os.ReadFile("../web/e2e/package-lock.json")
	if err == nil {
		err = json.Unmarshal(b, &lock)
	}
	if err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	locked := map[string]bool{}
	for path, p := range lock.Packages {
		if i := strings.LastIndex(path, "node_modules/"); i >= 0 {
			locked[path[i+len("node_modules/"):]+"@"+p.Version] = true
		}
	}
	licences, err := os.ReadFile("nodelib/LICENSES.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(licences), "\n") {
		rest, ok := strings.CutPrefix(line, "==== ")
		if !ok {
			continue
		}
		n++
		pkg, _, _ := strings.Cut(rest, " ")
		if !locked[pkg] {
			t.Errorf("nodelib bundles %s, which web/e2e/package-lock.json does not pin: run services/nodelib/build.sh", pkg)
		}
	}
	if n < 20 {
		t.Errorf("LICENSES.txt lists %d packages", n)
	}
}

// BenchmarkSandboxNodelib runs a script that requires the heavier built-in
// modules: child start plus nodelib's compile on first require.
func BenchmarkSandboxNodelib(b *testing.B) {
	var r Runner
	spec := Spec{Name: "bench", Script: []byte(`for (const m of ["stream", "http", "https", "zlib", "crypto", "fs", "url", "util", "events", "path"]) require(m); console.log("ready")`)}
	var rss int64
	for b.Loop() {
		res := r.Run(context.Background(), spec)
		if res.Err != nil || len(res.Logs) != 1 {
			b.Fatalf("%v %v", res.Err, res.Logs)
		}
		rss = max(rss, res.PeakRSS)
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
}

// BenchmarkSandboxContactsService runs a real webpack service bundle for
// Node (Contacts' keepIndexFullNameAndDisplayNameUpToDate, 1 MB) against
// a loopback server, when the shared fixtures are beside the repository.
func BenchmarkSandboxContactsService(b *testing.B) {
	script := fixtureFile(b, "contacts.tar.gz", "services/keepIndexFullNameAndDisplayNameUpToDate.js")
	cozy := newFakeCozy(b)
	var r Runner
	spec := Spec{Name: "keepIndex", Script: script, Env: cozy.env()}
	var rss int64
	for b.Loop() {
		res := r.Run(context.Background(), spec)
		if res.Err != nil && !errors.Is(res.Err, ErrExit) {
			b.Fatalf("%v %q", res.Err, messages(res.Logs))
		}
		rss = max(rss, res.PeakRSS)
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
}

// fixtureFile reads one file of a prebuilt Cozy app of the project's
// shared fixtures (beside the repository), or skips.
func fixtureFile(tb testing.TB, archive, name string) []byte {
	tb.Helper()
	dir := os.Getenv("COZY_APPS_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "fixtures", "cozy-apps")
	}
	f, err := os.Open(filepath.Join(dir, archive))
	if err != nil {
		tb.Skipf("no Cozy apps fixtures (set COZY_APPS_FIXTURES): %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			tb.Fatalf("%s in %s: %v", name, archive, err)
		}
		if filepath.Clean(h.Name) == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				tb.Fatal(err)
			}
			return b
		}
	}
}

// TestProcessStreams: process.stdout, process.stderr and emitWarning write
// into the job's log.
func TestProcessStreams(t *testing.T) {
	logs, end := runInProcess(t, `process.stdout.write("out line\n"); process.stderr.write(new TextEncoder().encode("err line")); process.emitWarning("careful", "DeprecationWarning")`)
	if end.Status != statusOK {
		t.Fatalf("end %+v", end)
	}
	want := "info out line\nerror err line\nwarning DeprecationWarning: careful"
	if got := strings.Join(messages(logs), "\n"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
