// url: the legacy API (parse, format, resolve) of the browserify url
// package, the WHATWG URL and URLSearchParams of the sandbox (Go), and the
// file URL helpers.
'use strict';
var legacy = require('url/');

function fileURLToPath(u) {
  var url = typeof u === 'string' ? new URL(u) : u;
  if (url.protocol !== 'file:') {
    var e = new TypeError('The URL must be of scheme file');
    e.code = 'ERR_INVALID_URL_SCHEME';
    throw e;
  }
  return decodeURIComponent(url.pathname);
}

function pathToFileURL(p) {
  var path = require('path-browserify');
  return new URL('file://' + encodeURI(path.resolve(p)).replace(/[?#]/g, encodeURIComponent));
}

module.exports = {
  parse: legacy.parse,
  format: function (u) { return u instanceof URL ? u.toString() : legacy.format(u); },
  resolve: legacy.resolve,
  resolveObject: legacy.resolveObject,
  Url: legacy.Url,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  fileURLToPath: fileURLToPath,
  pathToFileURL: pathToFileURL,
  domainToASCII: function (d) { return require('punycode/').toASCII(d); },
  domainToUnicode: function (d) { return require('punycode/').toUnicode(d); },
};
