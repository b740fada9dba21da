// stream: stream-browserify (readable-stream 3, the streams of Node 10)
// plus the promise forms of pipeline and finished.
'use strict';
var Stream = require('stream-browserify');
var Buffer = require('buffer/').Buffer;

function promisify2(fn) {
  return function () {
    var args = Array.prototype.slice.call(arguments);
    return new Promise(function (resolve, reject) {
      args.push(function (err, v) { if (err) reject(err); else resolve(v); });
      fn.apply(undefined, args);
    });
  };
}

// In Node every stream is an instance of Stream (node-fetch tells a
// stream body from other bodies by it); readable-stream's browser build
// derives its classes from EventEmitter directly. Stream sits between.
Object.setPrototypeOf(Stream.Readable.prototype, Stream.prototype);
Object.setPrototypeOf(Stream.Writable.prototype, Stream.prototype);

// Readable.from, which readable-stream leaves out of its browser build:
// a readable stream (object mode by default) of an iterable's or async
// iterable's values, pulled as the stream is read.
Stream.Readable.from = function from(iterable, opts) {
  var it;
  if (iterable && typeof iterable[Symbol.asyncIterator] === 'function') it = iterable[Symbol.asyncIterator]();
  else if (iterable && typeof iterable !== 'string' && typeof iterable[Symbol.iterator] === 'function') it = iterable[Symbol.iterator]();
  else if (typeof iterable === 'string' || Buffer.isBuffer(iterable)) it = [iterable][Symbol.iterator]();
  else throw new TypeError('The "iterable" argument must be an iterable');
  var reading = false;
  var readable = new Stream.Readable(Object.assign({ objectMode: true }, opts));
  function fail(e) { readable.destroy(e); }
  function next() {
    Promise.resolve(it.next()).then(function (r) {
      if (r.done) { readable.push(null); return; }
      Promise.resolve(r.value).then(function (v) {
        if (readable.push(v)) next(); else reading = false;
      }, fail);
    }, fail);
  }
  readable._read = function () {
    if (!reading) { reading = true; next(); }
  };
  return readable;
};

// pipeline is Node's, on finished (end-of-stream). readable-stream's own
// meets a goja bug (see the README's limits): its `var error;`, captured by
// closures in a function reading `arguments`, starts as one of pipeline's
// arguments, which its callback then receives as the error.
Stream.pipeline = function pipeline() {
  var streams = Array.prototype.slice.call(arguments);
  var callback = typeof streams[streams.length - 1] === 'function' ? streams.pop() : null;
  if (Array.isArray(streams[0])) streams = streams[0];
  if (streams.length < 2) {
    var e = new TypeError('The "streams" argument must be specified');
    e.code = 'ERR_MISSING_ARGS';
    throw e;
  }
  var done = false;
  function end(err) {
    if (done) return;
    done = true;
    if (err) {
      streams.forEach(function (st) {
        if (typeof st.destroy === 'function' && !st.destroyed) st.destroy();
      });
    }
    if (callback !== null) callback(err || undefined);
    else if (err) throw err;
  }
  streams.forEach(function (st, i) {
    var last = i === streams.length - 1;
    Stream.finished(st, { readable: !last, writable: i > 0 }, function (err) {
      if (err) end(err);
      else if (last) end(null);
    });
  });
  streams.reduce(function (from, to) { return from.pipe(to); });
  return streams[streams.length - 1];
};

Stream.promises = {
  pipeline: promisify2(Stream.pipeline),
  finished: promisify2(Stream.finished),
};
module.exports = Stream;
