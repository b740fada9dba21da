package vfs

import "errors"

// Errors of the VFS; the web layer maps each to its HTTP status.
var (
	ErrNotFound       = errors.New("file or directory not found")               // 404
	ErrParentNotFound = errors.New("parent directory not found")                // 404
	ErrExists         = errors.New("a file or directory has this name")         // 409
	ErrInvalidName    = errors.New("invalid file name")                         // 422
	ErrInvalidType    = errors.New("invalid type")                              // 422
	ErrNotDirectory   = errors.New("not a directory")                           // 422
	ErrNotFile        = errors.New("not a file")                                // 422
	ErrMD5Mismatch    = errors.New("content md5 does not match")                // 412
	ErrSizeMismatch   = errors.New("content length does not match")             // 412
	ErrRevMismatch    = errors.New("revision does not match")                   // 412
	ErrQuota          = errors.New("not enough space left on the disk")         // 413
	ErrForbidden      = errors.New("operation forbidden on this document")      // 403
	ErrMoveIntoItself = errors.New("cannot move a directory into itself")       // 400
	ErrNotTrashed     = errors.New("file or directory is not in the trash")     // 400
	ErrAlreadyTrashed = errors.New("file or directory is already in the trash") // 400
	ErrInvalidMD5     = errors.New("invalid Content-MD5")                       // 400
)
