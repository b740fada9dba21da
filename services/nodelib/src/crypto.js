// crypto: hashes, HMAC, PBKDF2 and random bytes computed by Go
// (crypto/sha256, crypto/hmac, crypto/rand...). Hash and Hmac objects have
// update and digest but are not streams; ciphers, signatures and key
// generation are not provided.
'use strict';
var Buffer = require('buffer/').Buffer;
var host = require('./host');

function bytes(data, enc, what) {
  if (typeof data === 'string') return Buffer.from(data, enc || 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('The "' + what + '" argument must be of type string or an instance of Buffer, TypedArray, DataView or ArrayBuffer');
}

function arrayBuffer(view) {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
}

function output(ab, enc) {
  var b = Buffer.from(ab);
  return enc ? b.toString(enc) : b;
}

function Hash(alg, key) {
  this._h = key === undefined ? host.crypto.hash(String(alg)) : host.crypto.hmac(String(alg), arrayBuffer(bytes(key, undefined, 'key')));
  this._done = false;
}
Hash.prototype.update = function (data, enc) {
  if (this._done) throw new Error('Digest already called');
  this._h.update(arrayBuffer(bytes(data, enc, 'data')));
  return this;
};
Hash.prototype.digest = function (enc) {
  if (this._done) throw new Error('Digest already called');
  this._done = true;
  return output(this._h.digest(), enc);
};

function randomBytes(size, cb) {
  if (typeof size !== 'number' || size < 0 || size !== Math.floor(size)) {
    throw new RangeError('The "size" argument must be a non-negative integer');
  }
  var b = Buffer.from(host.crypto.random(size));
  if (typeof cb === 'function') {
    setImmediate(function () { cb(null, b); });
    return undefined;
  }
  return b;
}

function getRandomValues(view) {
  if (!ArrayBuffer.isView(view) || view instanceof Float32Array || view instanceof Float64Array || view instanceof DataView) {
    throw new TypeError('getRandomValues: expected an integer TypedArray');
  }
  if (view.byteLength > 65536) {
    throw new RangeError('getRandomValues: the ArrayBufferView byte length exceeds 65536');
  }
  new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(new Uint8Array(host.crypto.random(view.byteLength)));
  return view;
}

function randomFillSync(buf, offset, size) {
  offset = offset || 0;
  size = size === undefined ? buf.byteLength - offset : size;
  new Uint8Array(buf.buffer || buf, (buf.byteOffset || 0) + offset, size).set(new Uint8Array(host.crypto.random(size)));
  return buf;
}

function randomUUID() {
  var b = new Uint8Array(host.crypto.random(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = Buffer.from(b).toString('hex');
  return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

function randomInt(min, max, cb) {
  if (max === undefined || typeof max === 'function') { cb = max; max = min; min = 0; }
  var range = max - min;
  if (!(range > 0) || range > 0xffffffffffff) throw new RangeError('randomInt: invalid range');
  var limit = Math.floor(0x1000000000000 / range) * range;
  var x;
  do {
    x = Buffer.from(host.crypto.random(6)).readUIntBE(0, 6);
  } while (x >= limit);
  var n = min + (x % range);
  if (typeof cb === 'function') { setImmediate(function () { cb(null, n); }); return undefined; }
  return n;
}

function timingSafeEqual(a, b) {
  var x = bytes(a, undefined, 'buf1'), y = bytes(b, undefined, 'buf2');
  if (x.byteLength !== y.byteLength) throw new RangeError('Input buffers must have the same byte length');
  var d = 0;
  for (var i = 0; i < x.byteLength; i++) d |= x[i] ^ y[i];
  return d === 0;
}

function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  return Buffer.from(host.crypto.pbkdf2(arrayBuffer(bytes(password, undefined, 'password')),
    arrayBuffer(bytes(salt, undefined, 'salt')), iterations, keylen, String(digest)));
}

function pbkdf2(password, salt, iterations, keylen, digest, cb) {
  var out;
  try {
    out = pbkdf2Sync(password, salt, iterations, keylen, digest);
  } catch (e) {
    setImmediate(function () { cb(e); });
    return;
  }
  setImmediate(function () { cb(null, out); });
}

var webcrypto = { getRandomValues: getRandomValues, randomUUID: randomUUID };

module.exports = {
  createHash: function (alg) { return new Hash(alg); },
  createHmac: function (alg, key) { return new Hash(alg, key); },
  getHashes: function () { return host.crypto.hashes.slice(); },
  randomBytes: randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFillSync: randomFillSync,
  randomUUID: randomUUID,
  randomInt: randomInt,
  getRandomValues: getRandomValues,
  timingSafeEqual: timingSafeEqual,
  pbkdf2: pbkdf2,
  pbkdf2Sync: pbkdf2Sync,
  webcrypto: webcrypto,
  constants: {},
};
