// The Go helpers handed to index.js by the sandbox (filled in by install).
// Adapters read them from here at call time.
'use strict';
module.exports = {};
