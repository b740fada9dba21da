// http and https: Node's client API on top of the sandbox's guarded HTTP
// client (Go), which reaches only the instance and the origins the
// manifest allows, refuses anything else before dialling, and does not
// follow redirects here (Node does not either). A request is sent whole
// when it ends; the response arrives whole (capped like fetch's) and is
// then read as a stream. There is no server side.
'use strict';
var Buffer = require('buffer/').Buffer;
var Stream = require('stream-browserify');
var EventEmitter = require('events/');
var inherits = require('inherits');
var host = require('./host');

function IncomingMessage(r) {
  Stream.Readable.call(this);
  this.statusCode = r.status;
  this.statusMessage = r.statusText;
  this.httpVersion = '1.1';
  this.httpVersionMajor = 1;
  this.httpVersionMinor = 1;
  this.headers = {};
  this.rawHeaders = [];
  this.url = '';
  this.complete = false;
  for (var i = 0; i < r.headers.length; i++) {
    var k = r.headers[i][0], v = r.headers[i][1];
    this.rawHeaders.push(k, v);
    if (k === 'set-cookie') {
      (this.headers[k] = this.headers[k] || []).push(v);
    } else {
      this.headers[k] = this.headers[k] === undefined ? v : this.headers[k] + ', ' + v;
    }
  }
  this._body = r.body;
}
inherits(IncomingMessage, Stream.Readable);
IncomingMessage.prototype._read = function () {
  if (this._body === null) return;
  var b = Buffer.from(this._body);
  this._body = null;
  if (b.length > 0) this.push(b);
  this.complete = true;
  this.push(null);
};
IncomingMessage.prototype.setTimeout = function () { return this; };

function Agent(options) {
  EventEmitter.call(this);
  this.options = Object.assign({}, options);
  this.keepAlive = !!this.options.keepAlive;
}
inherits(Agent, EventEmitter);
Agent.prototype.destroy = function () {};

function urlOf(input, defaultProtocol) {
  if (typeof input === 'string') input = new URL(input);
  if (input instanceof URL) {
    return {
      protocol: input.protocol, hostname: input.hostname, port: input.port,
      path: input.pathname + input.search, auth: input.username ? decodeURIComponent(input.username) + ':' + decodeURIComponent(input.password) : undefined,
    };
  }
  return Object.assign({ protocol: defaultProtocol }, input);
}

function ClientRequest(input, options, cb, defaultProtocol) {
  Stream.Writable.call(this);
  if (typeof options === 'function') { cb = options; options = undefined; }
  var o = Object.assign(urlOf(input, defaultProtocol), options || {});
  var protocol = o.protocol || defaultProtocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    var e = new TypeError('Protocol "' + protocol + '" not supported. Expected "' + defaultProtocol + '"');
    e.code = 'ERR_INVALID_PROTOCOL';
    throw e;
  }
  var hostname = o.hostname || (o.host ? String(o.host).replace(/:\d+$/, '') : 'localhost');
  if (hostname.indexOf(':') >= 0 && hostname[0] !== '[') hostname = '[' + hostname + ']';
  var port = o.port ? ':' + o.port : '';
  this.method = String(o.method || 'GET').toUpperCase();
  this.path = o.path || '/';
  this.protocol = protocol;
  this.host = hostname;
  this._url = protocol + '//' + hostname + port + this.path;
  this._headers = {};
  var h = o.headers || {};
  if (Array.isArray(h)) {
    for (var i = 0; i + 1 < h.length; i += 2) this.setHeader(h[i], h[i + 1]);
  } else {
    for (var k in h) this.setHeader(k, h[k]);
  }
  if (o.auth && !this.hasHeader('authorization')) {
    this.setHeader('Authorization', 'Basic ' + Buffer.from(o.auth).toString('base64'));
  }
  this._chunks = [];
  this._timeout = o.timeout;
  this._timer = null;
  this.aborted = false;
  this.finished = false;
  this.reusedSocket = false;
  if (typeof cb === 'function') this.once('response', cb);
}
inherits(ClientRequest, Stream.Writable);

ClientRequest.prototype.setHeader = function (name, value) {
  this._headers[String(name).toLowerCase()] = [String(name), value];
  return this;
};
ClientRequest.prototype.getHeader = function (name) {
  var e = this._headers[String(name).toLowerCase()];
  return e === undefined ? undefined : e[1];
};
ClientRequest.prototype.hasHeader = function (name) { return this._headers[String(name).toLowerCase()] !== undefined; };
ClientRequest.prototype.removeHeader = function (name) { delete this._headers[String(name).toLowerCase()]; };
ClientRequest.prototype.getHeaders = function () {
  var out = {};
  for (var k in this._headers) out[k] = this._headers[k][1];
  return out;
};
ClientRequest.prototype.getHeaderNames = function () { return Object.keys(this._headers); };
ClientRequest.prototype.flushHeaders = function () {};
ClientRequest.prototype.setNoDelay = function () {};
ClientRequest.prototype.setSocketKeepAlive = function () {};
ClientRequest.prototype.setTimeout = function (ms, cb) {
  this._timeout = ms;
  if (typeof cb === 'function') this.once('timeout', cb);
  return this;
};
ClientRequest.prototype.abort = function () {
  if (this.aborted) return;
  this.aborted = true;
  this._clearTimer();
  this.emit('abort');
  this.destroy();
};
ClientRequest.prototype._clearTimer = function () {
  if (this._timer !== null) { clearTimeout(this._timer); this._timer = null; }
};
ClientRequest.prototype._write = function (chunk, enc, cb) {
  this._chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, enc));
  cb();
};
ClientRequest.prototype._final = function (cb) {
  this.finished = true;
  this._send();
  cb();
};
ClientRequest.prototype._send = function () {
  var self = this;
  var pairs = [];
  for (var k in this._headers) {
    var v = this._headers[k][1];
    (Array.isArray(v) ? v : [v]).forEach(function (x) { pairs.push([k, String(x)]); });
  }
  var body = null;
  if (this._chunks.length > 0) {
    var b = Buffer.concat(this._chunks);
    body = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  }
  this._chunks = [];
  if (this._timeout > 0) {
    this._timer = setTimeout(function () { self._timer = null; self.emit('timeout'); }, this._timeout);
  }
  host.fetch(this._url, this.method, pairs, body, true).then(function (r) {
    self._clearTimer();
    if (self.aborted || self.destroyed) return;
    var res = new IncomingMessage(r);
    res.req = self;
    self.res = res;
    if (!self.emit('response', res)) res.resume();
  }, function (err) {
    self._clearTimer();
    if (self.aborted) return;
    var e = new Error(String(err && err.message || err).replace(/^TypeError: /, ''));
    e.code = /not allowed|scheme must be/.test(e.message) ? 'ERR_SANDBOX_ORIGIN' : 'ECONNREFUSED';
    self.emit('error', e);
  });
};

function makeModule(defaultProtocol) {
  var m = {};
  m.request = function (input, options, cb) { return new ClientRequest(input, options, cb, defaultProtocol); };
  m.get = function (input, options, cb) {
    var req = m.request(input, options, cb);
    req.end();
    return req;
  };
  m.Agent = Agent;
  m.globalAgent = new Agent();
  m.ClientRequest = ClientRequest;
  m.IncomingMessage = IncomingMessage;
  m.STATUS_CODES = host.statusCodes;
  m.METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
  m.createServer = function () {
    var e = new Error('http.createServer: a service cannot listen');
    e.code = 'ENOSYS';
    throw e;
  };
  return m;
}

module.exports = { http: makeModule('http:'), https: makeModule('https:') };
