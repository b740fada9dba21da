// Package queryserver runs the JavaScript of CouchDB design documents (view
// map and reduce functions, changes filters) in child processes, never in
// the server process.
//
// A child is this binary re-executed with a marker argument (see IsChild
// and ChildMain, called first thing by cmd/cozy and by test binaries), as the
// service sandbox's children are. It speaks CouchDB's query-server protocol,
// one JSON array per line on stdin and one answer per line on stdout:
//
//	["reset"]                          -> true
//	["add_fun", "function(doc){...}"]  -> true
//	["map_doc", doc]                   -> [[[key, value], ...], ...] (a list per function)
//	["reduce", [fun, ...], [[[key, id], value], ...]] -> [true, [result, ...]]
//	["rereduce", [fun, ...], [value, ...]]            -> [true, [result, ...]]
//	["ddoc", "new", id, ddoc]          -> true
//	["ddoc", id, ["filters", name], [[doc, ...], req]]    -> [true, [bool, ...]]
//	["ddoc", id, ["views", name, "map"], [[doc, ...]]]    -> [true, [bool, ...]]
//	["ddoc", id, ["validate_doc_update"], [new, old, userCtx, secObj]] -> 1 or the value thrown
//
// and answers ["error", type, reason] for a failed command; ["log", message]
// lines may come before an answer. A map function that throws for a
// document emits nothing for it (the exception is logged), as in CouchDB.
//
// Limits: each command has a time limit (the child interrupts the script and
// the parent kills the child a little later if it did not answer) and the
// child has the service sandbox's memory limit (RLIMIT_DATA and a heap
// watchdog, see services.LimitMemory). A child that hit a limit, died or
// answered out of protocol is discarded; the next call starts another.
//
// The JavaScript gets emit, log, sum, isArray, toJSON and the language's
// built-ins; no require, no timers, no I/O. Built-in reduce functions (_sum,
// _count, _stats) are evaluated in Go by the caller and never sent here.
//
// Pool (the parent side) keeps a few children, started on first use and
// stopped by Close, and implements store.QueryServer.
package queryserver
