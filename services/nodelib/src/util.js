// util: the browserify util package (format, inspect, inherits, promisify,
// callbackify, deprecate, types...) plus TextEncoder and TextDecoder, as
// Node exports them.
'use strict';
var util = require('util/');

module.exports = Object.assign({}, util, {
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
});
