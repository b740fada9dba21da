// Package bolt is the embedded, bbolt-backed implementation of store.Store.
//
// # Layout
//
// One bbolt file per instance: an instance is the unit that is opened, backed
// up, moved and deleted, and one file gives one fsync per group commit for
// every doctype at once. Inside it, one top-level bucket per doctype (the
// "database"), named after the doctype (doctypes never contain "/" and start
// with a letter, so they cannot clash with the "_meta" bucket). A doctype
// bucket holds:
//
//	info     "seq", "docs", "deleted", "revs_limit", "compacted_seq" -> 8-byte big-endian counters
//	docs     doc id -> record: current seq, revision tree, leaf bodies
//	seqs     8-byte big-endian seq -> doc id (only each doc's latest seq)
//	local    _local id (without prefix) -> revision number + body
//	idxdefs  index signature -> JSON definition (derived from design docs)
//	idx      index signature -> bucket of (collated key ++ doc id) -> doc id
//	gviews   Go view name -> bucket of (collated key array ++ doc id) -> [key, id]
//	gviewmeta Go view name -> 8-byte seq up to which it is maintained ++ version
//
// The top-level "_blobs" bucket counts the references to each attachment
// content (see blobs.go).
//
// Leaf bodies are kept, and the bodies of replaced revisions until
// Compact (at most KeptRevisions per document, see compact.go); revision
// trees are stemmed to the database's _revs_limit (1000 by default).
// Attachment contents are files beside the bbolt file (blobs.go). Keys in "docs" are the raw
// UTF-8 ids, so _all_docs is in raw (code point) order, as CouchDB's is.
//
// # Writes
//
// Writes go through a group committer (commit.go): a lone writer commits at
// once, and writers arriving during a commit share the next transaction and
// its fsync. bbolt's own Batch was not used because its fixed 10 ms delay
// makes every lone write wait. NoSync is never set, so a write acknowledged
// to its caller has been fsynced and survives a crash. Mango indexes and Go
// views are updated in the same transaction as the document (a Go view found
// stale, because writes happened while it was not registered, is rebuilt
// first). Events are published on
// the bus after the commit. A write to a doctype that does not exist creates
// it, as cozy-stack does.
//
// # Reads and space
//
// Listings (_changes, _all_docs, _find) are read in bounded batches of
// short read transactions and handed to a callback between them (see the
// Each methods in changes.go), so a long answer to a slow client holds
// neither memory nor a transaction. Maintain (shrink.go), run on a
// schedule by pkg/stack, compacts the doctypes written since the last
// time and, when enough of the file is free pages, Shrink copies the live
// data into a new file and swaps it in (bbolt files never shrink).
//
// # Limits
//
// One process owns the file (bbolt takes an exclusive flock). While Shrink
// copies the file, the instance's writes wait (reads go on): about 1.5 s
// for 50k documents on the development machine. Mango index
// entries hold only doc ids; documents are re-read to match selectors. Index
// builds happen inside the write that creates the design document, so
// creating an index over a very large doctype is one long transaction.
package bolt
