// prelude.js: the web APIs of the sandbox, built on Go helpers. It is run
// once per runtime and evaluates to a function called with those helpers,
// so that none of them is reachable from the service's script.
(function (g, goFetch, utf8Encode, utf8Decode, b64Encode, b64Decode, emitLog, utilFormat) {
  'use strict';

  var tokenRe = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

  function headerName(name) {
    var n = String(name).toLowerCase();
    if (!tokenRe.test(n)) {
      throw new TypeError('Invalid header name: ' + JSON.stringify(String(name)));
    }
    return n;
  }

  function headerValue(value) {
    var v = String(value).trim();
    if (/[\r\n\0]/.test(v)) {
      throw new TypeError('Invalid header value');
    }
    return v;
  }

  function toArrayBuffer(data) {
    if (data instanceof ArrayBuffer) {
      return data;
    }
    if (ArrayBuffer.isView(data)) {
      return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    }
    return null;
  }

  class Headers {
    constructor(init) {
      this._map = new Map();
      if (init === undefined || init === null) {
        return;
      }
      if (init instanceof Headers) {
        init.forEach((v, k) => this.append(k, v));
      } else if (Array.isArray(init)) {
        init.forEach((pair) => {
          if (!Array.isArray(pair) || pair.length !== 2) {
            throw new TypeError('Headers: each entry must be a [name, value] pair');
          }
          this.append(pair[0], pair[1]);
        });
      } else if (typeof init === 'object') {
        Object.keys(init).forEach((k) => this.append(k, init[k]));
      } else {
        throw new TypeError('Headers: init must be an object or an array of pairs');
      }
    }
    append(name, value) {
      var n = headerName(name);
      var v = headerValue(value);
      var cur = this._map.get(n);
      this._map.set(n, cur === undefined ? v : cur + ', ' + v);
    }
    set(name, value) { this._map.set(headerName(name), headerValue(value)); }
    get(name) {
      var v = this._map.get(headerName(name));
      return v === undefined ? null : v;
    }
    has(name) { return this._map.has(headerName(name)); }
    delete(name) { this._map.delete(headerName(name)); }
    entries() {
      return Array.from(this._map.entries()).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[Symbol.iterator]();
    }
    keys() { return Array.from(this.entries(), (e) => e[0])[Symbol.iterator](); }
    values() { return Array.from(this.entries(), (e) => e[1])[Symbol.iterator](); }
    forEach(cb, thisArg) {
      for (var e of this.entries()) {
        cb.call(thisArg, e[1], e[0], this);
      }
    }
    [Symbol.iterator]() { return this.entries(); }
  }

  // bodyOf returns a string, an ArrayBuffer or null, and sets the default
  // content type the way browsers do.
  function bodyOf(body, headers) {
    if (body === undefined || body === null) {
      return null;
    }
    if (typeof body === 'string') {
      if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      return body;
    }
    var buf = toArrayBuffer(body);
    if (buf !== null) {
      return buf;
    }
    if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
      if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
      return String(body);
    }
    return String(body);
  }

  class Response {
    constructor(body, init) {
      init = init || {};
      this.status = init.status === undefined ? 200 : init.status;
      this.statusText = init.statusText === undefined ? '' : String(init.statusText);
      this.ok = this.status >= 200 && this.status < 300;
      this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
      this.url = init.url || '';
      this.redirected = !!init.redirected;
      this.type = 'basic';
      this.bodyUsed = false;
      if (body === undefined || body === null) {
        this._body = new ArrayBuffer(0);
      } else if (typeof body === 'string') {
        this._body = utf8Encode(body);
      } else {
        this._body = toArrayBuffer(body) || utf8Encode(String(body));
      }
    }
    _consume() {
      if (this.bodyUsed) {
        return Promise.reject(new TypeError('Response body has already been used'));
      }
      this.bodyUsed = true;
      return Promise.resolve(this._body);
    }
    arrayBuffer() { return this._consume(); }
    text() { return this._consume().then(utf8Decode); }
    json() { return this.text().then(JSON.parse); }
    clone() {
      if (this.bodyUsed) {
        throw new TypeError('Response body has already been used');
      }
      return new Response(this._body.slice(0), {
        status: this.status, statusText: this.statusText, headers: new Headers(this.headers),
        url: this.url, redirected: this.redirected,
      });
    }
  }

  function fetch(input, init) {
    try {
      init = init || {};
      var url;
      if (typeof input === 'string') {
        url = input;
      } else if (input !== null && typeof input === 'object' && typeof input.url === 'string') {
        url = input.url;
      } else {
        url = String(input);
      }
      var method = String(init.method || 'GET').toUpperCase();
      var headers = new Headers(init.headers);
      var body = bodyOf(init.body, headers);
      if (body !== null && (method === 'GET' || method === 'HEAD')) {
        throw new TypeError('fetch: a ' + method + ' request cannot have a body');
      }
      var pairs = [];
      headers.forEach((v, k) => pairs.push([k, v]));
      return goFetch(url, method, pairs, body).then((r) => new Response(r.body, {
        status: r.status, statusText: r.statusText, headers: r.headers, url: r.url, redirected: r.redirected,
      }));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input) { return new Uint8Array(utf8Encode(input === undefined ? '' : String(input))); }
  }

  class TextDecoder {
    constructor(label) {
      var l = label === undefined ? 'utf-8' : String(label).trim().toLowerCase();
      if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
        throw new RangeError('TextDecoder: only utf-8 is supported, not ' + JSON.stringify(String(label)));
      }
    }
    get encoding() { return 'utf-8'; }
    decode(input) {
      if (input === undefined) {
        return '';
      }
      var buf = toArrayBuffer(input);
      if (buf === null) {
        throw new TypeError('TextDecoder.decode: expected an ArrayBuffer or a view of one');
      }
      return utf8Decode(buf);
    }
  }

  function queueMicrotask(fn) {
    if (typeof fn !== 'function') {
      throw new TypeError('queueMicrotask: the callback must be a function');
    }
    Promise.resolve().then(() => fn());
  }

  // inspect renders one console argument: strings as they are, errors with
  // their stack, other objects as JSON when they can be.
  function inspect(v) {
    switch (typeof v) {
      case 'string':
        return v;
      case 'function':
        return '[Function: ' + (v.name || 'anonymous') + ']';
      case 'bigint':
        return String(v) + 'n';
      case 'symbol':
        return v.toString();
      case 'object':
        if (v === null) return 'null';
        if (v instanceof Error) return v.stack || String(v);
        try {
          var json = JSON.stringify(v);
          if (json !== undefined) return json;
        } catch (e) {
          // circular or throwing toJSON: fall back to String below
        }
        try {
          return String(v);
        } catch (e) {
          return '[object]';
        }
      default:
        return String(v);
    }
  }

  function formatArgs(args) {
    if (args.length > 0 && typeof args[0] === 'string' && args[0].indexOf('%') >= 0) {
      return utilFormat.apply(undefined, args);
    }
    return Array.prototype.map.call(args, inspect).join(' ');
  }

  function logger(level) {
    return function () { emitLog(level, formatArgs(arguments)); };
  }

  // V8's Error.captureStackTrace, which Node libraries call in their
  // error constructors: the stack is the current one, frames included.
  if (typeof Error.captureStackTrace !== 'function') {
    Object.defineProperty(Error, 'captureStackTrace', {
      configurable: true, writable: true,
      value: function captureStackTrace(obj) {
        if (obj === null || typeof obj !== 'object' && typeof obj !== 'function') {
          throw new TypeError('Error.captureStackTrace: the target must be an object');
        }
        var stack = new Error().stack;
        var head = obj.name !== undefined || obj.message !== undefined ? String(obj.name || 'Error') + (obj.message ? ': ' + obj.message : '') : 'Error';
        Object.defineProperty(obj, 'stack', {
          configurable: true, writable: true,
          value: head + String(stack).replace(/^[^\n]*/, ''),
        });
      },
    });
    Error.stackTraceLimit = 10;
  }

  g.console = {
    log: logger('info'), info: logger('info'), dir: logger('info'),
    debug: logger('debug'), trace: logger('debug'),
    warn: logger('warning'), error: logger('error'),
  };
  g.fetch = fetch;
  g.Headers = Headers;
  g.Response = Response;
  g.TextEncoder = TextEncoder;
  g.TextDecoder = TextDecoder;
  g.atob = function atob(s) { return b64Decode(String(s)); };
  g.btoa = function btoa(s) { return b64Encode(String(s)); };
  g.queueMicrotask = queueMicrotask;
  // process.stdout and process.stderr write into the job's log, one line
  // per write (a trailing newline dropped), as info and error.
  function stdStream(level, fd) {
    return {
      fd: fd, isTTY: false, writable: true,
      write: function (chunk, enc, cb) {
        if (typeof enc === 'function') { cb = enc; }
        var text = typeof chunk === 'string' ? chunk : utf8Decode(toArrayBuffer(chunk) || utf8Encode(String(chunk)));
        emitLog(level, text.replace(/\n$/, ''));
        if (typeof cb === 'function') queueMicrotask(cb);
        return true;
      },
    };
  }
  g.process.stdout = stdStream('info', 1);
  g.process.stderr = stdStream('error', 2);
  g.process.emitWarning = function emitWarning(warning, type) {
    var msg = warning instanceof Error ? warning.name + ': ' + warning.message : (typeof type === 'string' ? type : 'Warning') + ': ' + String(warning);
    emitLog('warning', msg);
  };
  g.process.nextTick = function nextTick(fn) {
    var args = Array.prototype.slice.call(arguments, 1);
    queueMicrotask(() => fn.apply(undefined, args));
  };
})
