// Package store defines the document store of a Cozy instance: one CouchDB-like
// database per doctype, with revision trees, an update sequence, _local
// documents, Mango indexes and an event bus. It has no HTTP in it; web/data
// renders its results and maps its errors (see Error) to CouchDB's
// {"error","reason"} bodies.
//
// The Store and DB interfaces are implemented by the embedded bbolt backend in
// store/bolt. They are kept free of bbolt types so that a CouchDB backend can be
// written later against the same contract.
//
// # Documents
//
// Bodies are JSON objects kept as raw bytes (json.RawMessage): numbers and key
// order survive a round trip exactly. On input, the CouchDB special members
// are interpreted (_id, _rev, _deleted, _revisions), _attachments is kept as
// is, _conflicts, _deleted_conflicts, _revs_info and _local_seq are ignored,
// and any other top-level member starting with "_" is refused with a
// doc_validation error, as CouchDB does. See ParseBody.
//
// # Mango
//
// CreateIndex takes the POST _index body as is and stores the index in a
// design document ("language":"query"), as CouchDB does, so indexes replicate
// and copy like any design document. Find takes a parsed mango.Query and
// refuses (ErrNoUsableIndex) any query that no index can serve.
//
// # Go views
//
// GoViews (implemented by the bbolt DB) are multi-key indexes defined by Go
// code: a name, a version and a map function from a document to keys. They
// are maintained in the transaction of every write, like Mango indexes, and
// queried by key prefix with a cursor, skip and limit. The VFS lists the
// files referencing a document with one. They are not design documents:
// they do not replicate and must be registered again at each start.
//
// # Events
//
// Every committed write (single, bulk, replicated) is published on the Bus
// after commit. Subscribers that do not keep up are dropped; writers never
// wait for them.
//
// # Limits
//
// JavaScript map/reduce views (JSViews) and changes filters (JSFilter) run
// their functions through a QueryServer, outside the server process; a
// view's reduce is computed at query time over the selected rows (no
// stored reductions: a reduce over n rows costs O(n)); a JavaScript filter
// costs one query-server call per change. A store that is a
// ValidatingStore runs the validate_doc_update functions of a doctype's
// design documents on every document write (one query-server call per
// function and document; none when the doctype has no such function):
// userCtx has no name nor roles and secObj is empty, as no CouchDB users
// or security objects exist here.
//
// # Attachments
//
// As CouchDB: "_attachments" entries are inline base64 "data" or stubs on
// write, stubs ({"content_type","revpos","digest","length","stub":true},
// digest "md5-<base64>") on read. Contents are kept apart from the
// documents (the bbolt backend keeps them as files, deduplicated by
// digest), read and written as streams with OpenAttachment and
// PutAttachment. Inlining data on reads (attachments=true) is the HTTP
// layer's, with OpenAttachment.
package store
