// The Node built-in modules of the sandbox. esbuild bundles this file and the
// npm packages it names (pinned in web/e2e/package-lock.json) into
// ../nodelib.js, which the sandbox compiles the first time a script needs
// one of these modules. Each entry is a thunk: a module's code runs only
// when it is first required.
//
// The pure-JS modules are the browserify family's; fs, http, https, crypto
// and os are thin adapters over Go helpers (host.js) that keep the
// sandbox's rules: files only in the run's scratch directory, HTTP only
// through the guarded client to the allowed origins.
'use strict';

var host = require('./host');

var table = {
  assert: function () { return require('assert/'); },
  buffer: function () { return require('buffer/'); },
  child_process: function () { return require('./child_process'); },
  crypto: function () { return require('./crypto'); },
  events: function () { return require('events/'); },
  fs: function () { return require('./fs'); },
  'fs/promises': function () { return require('./fs').promises; },
  http: function () { return require('./http').http; },
  https: function () { return require('./http').https; },
  os: function () { return require('./os'); },
  path: function () { return require('path-browserify'); },
  'path/posix': function () { return require('path-browserify'); },
  punycode: function () { return require('punycode/'); },
  querystring: function () { return require('querystring-es3'); },
  stream: function () { return require('./stream'); },
  'stream/promises': function () { return require('./stream').promises; },
  string_decoder: function () { return require('string_decoder/'); },
  timers: function () { return require('timers-browserify'); },
  url: function () { return require('./url'); },
  util: function () { return require('./util'); },
  'util/types': function () { return require('./util').types; },
  zlib: function () { return require('browserify-zlib'); },
};

// install is called once by the sandbox with its Go helpers; it returns
// the table of module thunks.
module.exports = function install(helpers) {
  Object.assign(host, helpers);
  return table;
};
