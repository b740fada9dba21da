// Package data serves the /data API of an instance: CouchDB-shaped access to
// the documents of each doctype (CRUD, _all_docs, Mango _index/_find, design
// documents) and the CouchDB replication protocol that PouchDB and
// cozy-pouch-link use (db info, _changes, _revs_diff, _bulk_get, _bulk_docs,
// _local checkpoints).
//
// Answers are plain CouchDB JSON; errors are {"error","reason"}. Update
// sequences are rendered as CouchDB's opaque "N-..." strings and read
// back as given or as the bare number N.
//
// Permissions: every route checks the request's permission, including the
// server root GET /data/ (any valid token). Reading, creating, updating or
// deleting one document checks that document against the token's rules
// (tokens restricted to some ids or field values work there); reading
// revisions (rev, open_revs, _bulk_get) checks each revision returned, so
// a conflict outside a token's rules never comes out. Every route
// that lists, queries or replicates (_all_docs, _normal_docs, _design_docs,
// _find, _index, _changes, _revs_diff, _bulk_get, _bulk_docs, db info) needs
// the verb on the whole doctype, as upstream does: a restricted token cannot
// enumerate or replicate. _local checkpoints need only GET, so that a
// read-only token can pull (PouchDB writes checkpoints on the source too).
// Reserved doctypes are refused and read-only ones cannot be written
// (permission.CheckData*).
//
// Bodies: every JSON body is bounded (Handler.BodyLimit, 413), except
// that a _bulk_docs larger than it is streamed: its attachment data goes
// to storage as it is read, and only the documents without it must fit
// (bulkstream.go; PouchDB pushes photos inline, 100 documents a
// request). Bodies must be valid text (no invalid UTF-8, no lone
// surrogate escape: 400). _bulk_docs
// and _bulk_get name at most 10000 documents (CouchDB's defaults, 413,
// refused while decoding); _local documents are at most 64 KiB each and
// 1000 per doctype (see store.MaxLocalSize and store.MaxLocalDocs).
//
// Attachments: GET/HEAD/PUT/DELETE /data/:doctype/:id/:name (a name may
// hold "/"), inline base64 on write (_bulk_docs, PUT), stubs on read, data
// inlined with attachments=true or atts_since (GET, open_revs, _bulk_get).
// multipart/related PUTs (attachments that "follow", streamed to
// storage) and open_revs answered as multipart/mixed (Accept) are
// CouchDB's. A raw PUT is streamed to storage (AttachmentLimit, 413 past it); reading
// an attachment needs GET on its document's revision, writing PUT on the
// document (POST to create it).
//
// Views and filters: design documents' JavaScript views are queried with
// GET/POST /data/:doctype/_design/:ddoc/_view/:view (CouchDB's options,
// rows streamed; view.go) and their filters with _changes?filter=ddoc/name
// or filter=_view&view=ddoc/name (changes_filter.go); the JavaScript runs
// in the query server (Handler.Views, services/queryserver), never here.
// Querying a view, like writing a design document, needs the verb on the
// whole doctype.
//
// Revisions: a replaced revision stays readable (?rev=, open_revs) until
// POST _compact (POST on the whole doctype); _purge needs DELETE on the
// whole doctype, _revs_limit GET or PUT.
//
// Limits: one catch-all route owns /data/*; inlined attachment data is
// built in memory (attachments=true on a document of large attachments
// costs their size, as base64); _changes has no eventsource feed and a longpoll or continuous feed
// lasts at most an hour.
package data
