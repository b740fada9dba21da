// child_process: present so that bundles which import it load, but a
// service cannot start processes: every function throws.
'use strict';

function refuse(name) {
  return function () {
    var e = new Error('child_process.' + name + ': the sandbox cannot start processes');
    e.code = 'ENOSYS';
    throw e;
  };
}

['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'].forEach(function (n) {
  module.exports[n] = refuse(n);
});
