// Package services runs app services and konnectors in a sandbox.
//
// Each run is a fresh goja runtime in a child process of the same binary
// (see IsChild and ChildMain). The parent (Runner.Run) streams a Spec to the
// child on stdin and reads newline-delimited JSON frames (log lines and one
// final status frame) from its stdout.
//
// What a script gets: ES2017 (plus most later syntax goja understands),
// process.env holding only the COZY_* variables of its Spec, process.exit,
// console.* captured into the job's log, setTimeout/setInterval/setImmediate,
// Promises and async/await, fetch (Go-backed, limited to Spec.AllowedOrigins),
// Headers, Response, URL, URLSearchParams, Buffer, TextEncoder, TextDecoder,
// atob, btoa and queueMicrotask; it runs as Node's main CommonJS module, and
// require() gives out Node's built-in modules from nodelib/nodelib.js (the
// browserify family's pure-JS modules bundled by nodelib/build.sh, and
// adapters over Go for fs, http, https, crypto and os) so that webpack
// builds for Node run unchanged. fs reaches only a scratch directory the
// Runner creates for the run and removes after it; http and https go
// through fetch's guarded client.
//
// What it does not get: the host environment, files outside its scratch
// directory, require() of files or npm packages, child processes (the
// child_process module throws), sockets (net, tls, dns), Intl, ES modules
// or top-level await.
//
// Limits: the wall time (the child interrupts the script at the deadline and
// the parent kills it a little later), a hard memory limit (RLIMIT_DATA set by
// the child on itself before any script runs, plus a soft Go memory limit at
// 75 % and a heap watchdog at 90 %), and the size of the log output (the child
// stops logging at the cap, the parent kills a child that writes more).
//
// Limits of the sandbox itself: a long native call (a huge sort, a
// backtracking regexp, which has a 500 ms match timeout) only sees the
// interrupt when it returns; the memory limit is per process, so a
// Runner does not bound how many children run at once; that is the caller's
// job.
package services
