// Package files serves the /files API of an instance (files.md upstream):
// directory creation, uploads streamed to disk, overwrite, metadata by id
// and path, rename/move/tags, downloads with Range and conditional
// requests, and the trash. Domain logic lives in pkg/vfs; this package
// parses requests, checks permissions (a rule naming a directory covers
// what is inside it) and renders JSON:API documents through web/jsonapi.
// Handlers return their errors, which httperr's table turns into answers.
//
// Also served: _changes, _find, _all_docs, referenced_by, the references of
// a document (/data/:type/:id/relationships/references, handed over by the
// data area: Handler.References), copy, bulk
// PATCH, short-lived download links (vfs.DownloadSecret: an HMAC of the
// file id and expiry with the instance's token secret, so nothing is kept
// in memory), zip archives (recorded as _local documents), thumbnails
// (vfs.ThumbSecret links; the VFS queues them after an upload, and makes
// them on demand) and /files/fsck.
//
// not_synchronized_on is kept on directories, and the _changes feed of an
// OAuth client (vfs.SyncChanges) sends what is inside its excluded
// directories as deleted.
//
// Not yet served: file versions.
package files
