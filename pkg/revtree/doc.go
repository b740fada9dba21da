// Package revtree implements CouchDB-style document revision trees.
//
// A revision id is "N-hash" where N is the generation (the depth of the
// revision in its history, starting at 1) and hash is an opaque string of
// letters and digits (32 lowercase hex characters for revisions made here).
//
// A Tree is stored as a set of edges (revision -> parent). Merging a history
// path adds its edges to the set, so merging is commutative and associative:
// the same histories merged in any order give the same tree, and therefore the
// same winning revision. This mirrors couch_key_tree's merge, including paths
// whose oldest revisions were stemmed away: a path that starts in the middle
// of a branch attaches wherever its revisions are already known.
//
// The winner is the deterministic choice CouchDB and PouchDB both make:
// non-deleted leaves first, then the highest generation, then the greatest
// hash in string order.
//
// Limits: the package is pure (no I/O) and keeps no bodies; callers decide
// which revisions have a body (see RevsInfo). Stemming keeps the newest
// `limit` revisions of every branch; merging a path into a tree and stemming
// do not commute in general (as in CouchDB), so callers stem after merging.
// A revision claimed with two different parents (which honest peers never
// produce, as the parent is part of the revision hash) keeps the smaller
// parent so that the result does not depend on merge order.
package revtree
