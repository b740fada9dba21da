// Package files serves the /files API of an instance (files.md upstream):
// directory creation, uploads streamed to disk, overwrite, metadata by id
// and path, rename/move/tags, downloads with Range and conditional
// requests, and the trash. Domain logic lives in pkg/vfs; this package
// parses requests, checks permissions (a rule naming a directory covers
// what is inside it) and renders JSON:API documents.
//
// Not yet served: _changes, _find, _all_docs, references, copy, archives,
// download links, thumbnails and versions.
package files
