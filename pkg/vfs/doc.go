// Package vfs is the virtual file system of an instance: io.cozy.files
// documents kept in the instance's document store, and their content kept
// on disk beside it.
//
// Directories carry their full path; files only their parent (dir_id) and
// name, so renaming or moving a directory rewrites the paths of the
// directories below it and never touches a file. Content is stored under
// the instance directory in a blob named after the file id and an internal
// version (internal_vfs_id): a write streams the body to a temporary file,
// fsyncs it, renames it to a new blob, then writes the document that points
// to it, and only then removes the old blob. A crash therefore leaves every
// document pointing to complete content; what it can leave behind are
// temporary uploads, removed when the FS opens, and orphan blobs, removed by
// a sweep that Open starts in the background (each blob is checked against
// its document under the metadata lock, which every blob write holds).
// Check reports and repairs the same and more, on demand.
//
// Background work belongs to the FS and stops with Close: the orphan sweep,
// and one worker making the thumbnails of uploaded photos from a bounded
// queue (an id queued twice is one job; when the queue is full the job is
// dropped, and the thumbnails are made when first asked for). Thumbnails are
// named after their content's md5 and put in place only if that content is
// still the file's, so an overwrite or a destroy never leaves stale ones.
//
// References (referenced_by) from files to other documents are listed per
// document through two Go views of the store (by file id, by datetime);
// AddReferencesTo and RemoveReferencesTo change many files in one
// transaction. Moving a file or a directory to the trash drops the
// references of everything trashed, as references-docs-in-vfs.md asks.
// SyncChanges is the changes feed as synchronizing clients get it (paths,
// skipped trash, the directories a client does not synchronize sent as
// deleted); DownloadSecret and ThumbSecret sign the links that let a browser
// fetch content without a token.
//
// Limits: metadata writes of one instance are serialised by a mutex (bodies
// are streamed outside it); the disk usage is counted once when the VFS
// opens and kept up to date by its own writes. Thumbnails are made one at a
// time per instance. Versions and sharings are not handled here.
package vfs
