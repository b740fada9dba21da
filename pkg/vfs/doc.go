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
// orphan blobs and temporary files, which Check reports and repairs.
//
// References (referenced_by) from files to other documents are listed per
// document through two Go views of the store (by file id, by datetime);
// AddReferencesTo and RemoveReferencesTo change many files in one
// transaction. Moving a file or a directory to the trash drops the
// references of everything trashed, as references-docs-in-vfs.md asks.
//
// Limits: metadata writes of one instance are serialised by a mutex (bodies
// are streamed outside it); the disk usage is counted once when the VFS
// opens and kept up to date by its own writes. Versions, sharings and
// thumbnails are not handled here.
package vfs
