// stream: stream-browserify (readable-stream 3, the streams of Node 10)
// plus the promise forms of pipeline and finished.
'use strict';
var Stream = require('stream-browserify');

function promisify2(fn) {
  return function () {
    var args = Array.prototype.slice.call(arguments);
    return new Promise(function (resolve, reject) {
      args.push(function (err, v) { if (err) reject(err); else resolve(v); });
      fn.apply(undefined, args);
    });
  };
}

Stream.promises = {
  pipeline: promisify2(Stream.pipeline),
  finished: promisify2(Stream.finished),
};
module.exports = Stream;
