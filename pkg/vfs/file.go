package vfs

import (
	"encoding/json"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
)

// Doctype is the doctype of files and directories.
const Doctype = "io.cozy.files"

// Fixed ids and paths, as upstream.
const (
	RootID    = "io.cozy.files.root-dir"
	TrashID   = "io.cozy.files.trash-dir"
	TrashPath = "/.cozy_trash"
)

// Document types.
const (
	TypeDirectory = "directory"
	TypeFile      = "file"
)

// Reference points from a file to a document of another doctype.
type Reference struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Actor is who trashed a file (cozyMetadata.trashedBy).
type Actor struct {
	Kind        string `json:"kind,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Domain      string `json:"domain,omitempty"`
}

// Uploader is who uploaded a file's content (cozyMetadata.uploadedBy).
type Uploader struct {
	Slug string `json:"slug,omitempty"`
}

// CozyMetadata is the cozyMetadata member the stack maintains.
type CozyMetadata struct {
	DoctypeVersion          string     `json:"doctypeVersion"`
	MetadataVersion         int        `json:"metadataVersion"`
	CreatedAt               time.Time  `json:"createdAt"`
	CreatedByApp            string     `json:"createdByApp,omitempty"`
	CreatedOn               string     `json:"createdOn,omitempty"`
	UpdatedAt               time.Time  `json:"updatedAt"`
	UpdatedByApps           []any      `json:"updatedByApps,omitempty"`
	UploadedAt              *time.Time `json:"uploadedAt,omitempty"`
	UploadedOn              string     `json:"uploadedOn,omitempty"`
	UploadedBy              *Uploader  `json:"uploadedBy,omitempty"`
	Favorite                bool       `json:"favorite,omitempty"`
	TrashedAt               *time.Time `json:"trashedAt,omitempty"`
	TrashedBy               *Actor     `json:"trashedBy,omitempty"`
	SourceAccount           string     `json:"sourceAccount,omitempty"`
	SourceAccountIdentifier string     `json:"sourceAccountIdentifier,omitempty"`
}

// File is an io.cozy.files document: a directory or a file.
type File struct {
	ID    string `json:"_id"`
	Rev   string `json:"_rev,omitempty"`
	Type  string `json:"type"`
	Name  string `json:"name"`
	DirID string `json:"dir_id,omitempty"`
	// Path is set on directories only.
	Path        string    `json:"path,omitempty"`
	RestorePath string    `json:"restore_path,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Tags        []string  `json:"tags"`
	// Size is rendered as a string, as upstream stores it.
	Size       int64  `json:"size,string,omitempty"`
	MD5Sum     []byte `json:"md5sum,omitempty"`
	Mime       string `json:"mime,omitempty"`
	Class      string `json:"class,omitempty"`
	Executable bool   `json:"executable,omitempty"`
	Encrypted  bool   `json:"encrypted,omitempty"`
	Trashed    bool   `json:"trashed"`
	// InternalID names the blob holding the current content.
	InternalID        string          `json:"internal_vfs_id,omitempty"`
	Metadata          json.RawMessage `json:"metadata,omitempty"`
	ReferencedBy      []Reference     `json:"referenced_by,omitempty"`
	NotSynchronizedOn []Reference     `json:"not_synchronized_on,omitempty"`
	CozyMetadata      *CozyMetadata   `json:"cozyMetadata,omitempty"`

	// ancestors are the ids of the directories above, filled by the VFS
	// when it resolves a document for a permission check.
	ancestors []string
}

// IsDir reports whether f is a directory.
func (f *File) IsDir() bool { return f.Type == TypeDirectory }

// DocID implements permission.Doc.
func (f *File) DocID() string { return f.ID }

// FieldValues implements permission.Doc for selector rules.
func (f *File) FieldValues(field string) []string {
	switch field {
	case "_id":
		return []string{f.ID}
	case "dir_id":
		return []string{f.DirID}
	case "name":
		return []string{f.Name}
	case "type":
		return []string{f.Type}
	case "mime":
		return []string{f.Mime}
	case "class":
		return []string{f.Class}
	case "path":
		return []string{f.Path}
	case "tags":
		return f.Tags
	case "referenced_by":
		out := make([]string, 0, len(f.ReferencedBy))
		for _, r := range f.ReferencedBy {
			out = append(out, r.Type+"/"+r.ID)
		}
		return out
	}
	return nil
}

// AncestorIDs implements permission.Nested: the directories containing f,
// nearest first, as resolved by FS.Ancestors.
func (f *File) AncestorIDs() []string { return f.ancestors }

var _ permission.Nested = (*File)(nil)
