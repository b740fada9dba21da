// os: what a service may know of its machine. The temporary and home
// directories are the run's scratch directory (the only place fs reaches);
// the rest describes a Linux box without revealing the host.
'use strict';
var host = require('./host');

module.exports = {
  EOL: '\n',
  devNull: '/dev/null',
  arch: function () { return host.arch; },
  platform: function () { return 'linux'; },
  type: function () { return 'Linux'; },
  release: function () { return ''; },
  version: function () { return ''; },
  machine: function () { return host.arch; },
  endianness: function () { return 'LE'; },
  hostname: function () { return 'cozy-sandbox'; },
  tmpdir: function () { return host.scratch; },
  homedir: function () { return host.scratch; },
  userInfo: function () { return { username: 'cozy', uid: -1, gid: -1, shell: null, homedir: host.scratch }; },
  uptime: function () { return 0; },
  loadavg: function () { return [0, 0, 0]; },
  totalmem: function () { return host.memory; },
  freemem: function () { return host.memory; },
  availableParallelism: function () { return 1; },
  cpus: function () { return []; },
  networkInterfaces: function () { return {}; },
  constants: { signals: {}, errno: {}, priority: {} },
};
