// Package data serves the /data API of an instance: CouchDB-shaped access to
// the documents of each doctype (CRUD, _all_docs, Mango _index/_find, design
// documents) and the CouchDB replication protocol that PouchDB and
// cozy-pouch-link use (db info, _changes, _revs_diff, _bulk_get, _bulk_docs,
// _local checkpoints).
//
// Answers are plain CouchDB JSON; errors are {"error","reason"}. Update
// sequences are rendered as strings (clients treat them as opaque).
//
// Permissions: every route checks the request's permission, including the
// server root GET /data/ (any valid token). Reading, creating, updating or
// deleting one document checks that document against the token's rules
// (tokens restricted to some ids or field values work there). Every route
// that lists, queries or replicates (_all_docs, _normal_docs, _design_docs,
// _find, _index, _changes, _revs_diff, _bulk_get, _bulk_docs, db info) needs
// the verb on the whole doctype, as upstream does: a restricted token cannot
// enumerate or replicate. _local checkpoints need only GET, so that a
// read-only token can pull (PouchDB writes checkpoints on the source too).
// Reserved doctypes are refused and read-only ones cannot be written
// (permission.CheckData*).
//
// Limits: one catch-all route owns /data/*; attachments are stored inline
// only; _changes has no eventsource feed and a longpoll or continuous feed
// lasts at most an hour.
package data
