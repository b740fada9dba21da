// fs: files in the run's scratch directory only (os.tmpdir(), also the
// current directory), through Go helpers that refuse any path outside it
// (EACCES), symbolic links included, and cap the bytes written. The
// directory is removed when the run ends. Sync, callback and promise forms
// of the whole-file and directory calls, and read/write streams; no file
// descriptors (open/read/write), watchers or permissions.
'use strict';
var Buffer = require('buffer/').Buffer;
var Stream = require('stream-browserify');
var host = require('./host');

function P(p) {
  if (p instanceof URL) return require('./url').fileURLToPath(p);
  if (Buffer.isBuffer(p)) return p.toString();
  if (typeof p !== 'string') {
    var e = new TypeError('The "path" argument must be of type string, Buffer or URL');
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  return p;
}

function encodingOf(options) {
  if (typeof options === 'string') return options;
  return options && options.encoding ? options.encoding : null;
}

function flagOf(options, dflt) {
  return options && typeof options === 'object' && options.flag ? options.flag : dflt;
}

function toAB(data, options) {
  var b;
  if (typeof data === 'string') b = Buffer.from(data, encodingOf(options) || 'utf8');
  else if (ArrayBuffer.isView(data)) b = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else b = Buffer.from(String(data));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

function Stats(s) {
  this.dev = 0; this.ino = 0; this.nlink = 1; this.uid = 0; this.gid = 0; this.rdev = 0;
  this.mode = s.mode; this.size = s.size; this.blksize = 4096; this.blocks = Math.ceil(s.size / 512);
  this.atimeMs = this.mtimeMs = this.ctimeMs = this.birthtimeMs = s.mtimeMs;
  this.atime = new Date(s.mtimeMs); this.mtime = new Date(s.mtimeMs);
  this.ctime = new Date(s.mtimeMs); this.birthtime = new Date(s.mtimeMs);
  this._type = s.type;
}
Stats.prototype.isFile = function () { return this._type === 'file'; };
Stats.prototype.isDirectory = function () { return this._type === 'dir'; };
Stats.prototype.isSymbolicLink = function () { return this._type === 'symlink'; };
Stats.prototype.isFIFO = Stats.prototype.isSocket = Stats.prototype.isBlockDevice = Stats.prototype.isCharacterDevice = function () { return false; };

function Dirent(name, type) { this.name = name; this._type = type; }
Dirent.prototype = Object.create(Stats.prototype);
Dirent.prototype.constructor = Dirent;

var fs = {};

fs.readFileSync = function (p, options) {
  var b = Buffer.from(host.fs.readFile(P(p)));
  var enc = encodingOf(options);
  return enc ? b.toString(enc) : b;
};
fs.writeFileSync = function (p, data, options) { host.fs.writeFile(P(p), toAB(data, options), flagOf(options, 'w')); };
fs.appendFileSync = function (p, data, options) { host.fs.writeFile(P(p), toAB(data, options), flagOf(options, 'a')); };
fs.existsSync = function (p) {
  try { host.fs.stat(P(p), true); return true; } catch (e) { return false; }
};
fs.accessSync = function (p) { host.fs.stat(P(p), true); };
fs.statSync = function (p, options) {
  try { return new Stats(host.fs.stat(P(p), true)); } catch (e) {
    if (options && options.throwIfNoEntry === false && e.code === 'ENOENT') return undefined;
    throw e;
  }
};
fs.lstatSync = function (p, options) {
  try { return new Stats(host.fs.stat(P(p), false)); } catch (e) {
    if (options && options.throwIfNoEntry === false && e.code === 'ENOENT') return undefined;
    throw e;
  }
};
fs.readdirSync = function (p, options) {
  var entries = host.fs.readdir(P(p));
  if (options && options.withFileTypes) return entries.map(function (e) { return new Dirent(e[0], e[1]); });
  return entries.map(function (e) { return e[0]; });
};
fs.mkdirSync = function (p, options) {
  var recursive = !!(options && typeof options === 'object' && options.recursive);
  return host.fs.mkdir(P(p), recursive) || undefined;
};
fs.mkdtempSync = function (prefix) { return host.fs.mkdtemp(P(prefix)); };
fs.unlinkSync = function (p) { host.fs.remove(P(p), 'file'); };
fs.rmdirSync = function (p, options) { host.fs.remove(P(p), options && options.recursive ? 'all' : 'dir'); };
fs.rmSync = function (p, options) {
  try {
    host.fs.remove(P(p), options && options.recursive ? 'all' : 'file');
  } catch (e) {
    if (!(options && options.force && e.code === 'ENOENT')) throw e;
  }
};
fs.renameSync = function (a, b) { host.fs.rename(P(a), P(b)); };
fs.copyFileSync = function (a, b) { host.fs.writeFile(P(b), host.fs.readFile(P(a)), 'w'); };
fs.realpathSync = function (p) { return host.fs.realpath(P(p)); };
fs.realpathSync.native = fs.realpathSync;

// Callback and promise forms run the synchronous call on a later turn.
var names = ['readFile', 'writeFile', 'appendFile', 'access', 'stat', 'lstat', 'readdir', 'mkdir', 'mkdtemp',
  'unlink', 'rmdir', 'rm', 'rename', 'copyFile', 'realpath'];
fs.promises = {};
names.forEach(function (n) {
  var sync = fs[n + 'Sync'];
  fs[n] = function () {
    var args = Array.prototype.slice.call(arguments);
    var cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    if (cb === null) throw new TypeError('fs.' + n + ': the callback must be a function');
    setImmediate(function () {
      var out;
      try { out = sync.apply(fs, args); } catch (e) { cb(e); return; }
      cb(null, out);
    });
  };
  fs.promises[n] = function () {
    var args = arguments;
    return new Promise(function (resolve) { setImmediate(resolve); }).then(function () { return sync.apply(fs, args); });
  };
});
fs.exists = function (p, cb) { setImmediate(function () { cb(fs.existsSync(p)); }); };

fs.createReadStream = function (p, options) {
  if (typeof options === 'string') options = { encoding: options };
  options = options || {};
  var path = P(p);
  var r = new Stream.Readable({ highWaterMark: options.highWaterMark || 65536, encoding: options.encoding });
  var data = null, pos = 0;
  r._read = function (n) {
    try {
      if (data === null) {
        data = fs.readFileSync(path);
        var end = options.end === undefined ? data.length : options.end + 1;
        data = data.slice(options.start || 0, end);
        r.emit('open');
        r.emit('ready');
      }
    } catch (e) {
      r.destroy(e);
      return;
    }
    if (pos >= data.length) { r.push(null); return; }
    var chunk = data.slice(pos, pos + n);
    pos += chunk.length;
    r.push(chunk);
  };
  r.path = path;
  return r;
};

fs.createWriteStream = function (p, options) {
  if (typeof options === 'string') options = { encoding: options };
  options = options || {};
  var path = P(p);
  var flag = options.flags || 'w';
  var w = new Stream.Writable({ decodeStrings: true });
  var opened = false;
  w._write = function (chunk, enc, cb) {
    try {
      host.fs.writeFile(path, toAB(chunk), opened ? 'a' : flag);
      opened = true;
    } catch (e) { cb(e); return; }
    w.bytesWritten += chunk.length;
    cb();
  };
  w._final = function (cb) {
    try {
      if (!opened) host.fs.writeFile(path, new ArrayBuffer(0), flag);
    } catch (e) { cb(e); return; }
    cb();
  };
  w.bytesWritten = 0;
  w.path = path;
  w.close = function (cb) { w.end(cb); };
  return w;
};

fs.Stats = Stats;
fs.Dirent = Dirent;
fs.constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024 };
Object.assign(fs, fs.constants);

module.exports = fs;
