package files

import (
	"net/http"
	"net/url"
	"path"

	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/pkg/vfs/thumbnail"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/gin-gonic/gin"
)

// ref is a JSON:API resource identifier.
type ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// attributes are a file's JSON:API attributes: its document without the
// members rendered elsewhere (id, rev, relationships) or internal ones.
// The nil pointers shadow the embedded document's members of the same
// JSON name, which encoding/json then leaves out.
type attributes struct {
	*vfs.File
	ID                *struct{} `json:"_id,omitempty"`
	Rev               *struct{} `json:"_rev,omitempty"`
	InternalID        *struct{} `json:"internal_vfs_id,omitempty"`
	ReferencedBy      *struct{} `json:"referenced_by,omitempty"`
	NotSynchronizedOn *struct{} `json:"not_synchronized_on,omitempty"`
	// Path is the directory's path, or a file's when the listing adds it.
	Path string `json:"path,omitempty"`
}

// toObject converts a file or directory to its JSON:API resource; key is
// the instance's token secret, for the thumbnail links of images.
func toObject(key []byte, f *vfs.File) jsonapi.Object {
	o := jsonapi.Object{
		Type: vfs.Doctype, ID: f.ID, Attributes: &attributes{File: f, Path: f.Path},
		Links: map[string]any{"self": "/files/" + f.ID}, Relationships: map[string]any{},
	}
	o = o.WithRev(f.Rev)
	if f.Trashed && f.DirID == vfs.TrashID {
		o.Links["self"] = "/files/trash/" + f.ID
	}
	if !f.IsDir() {
		o.Links["related"] = "/files/download/" + f.ID
		if vfs.HasThumbnails(f) {
			s := vfs.ThumbSecret(key, f.ID)
			for _, t := range thumbnail.Formats {
				o.Links[t.Name] = "/files/" + f.ID + "/thumbnails/" + s + "/" + t.Name
			}
		}
	}
	if f.DirID != "" {
		o.Relationships["parent"] = map[string]any{
			"links": map[string]any{"related": "/files/" + f.DirID},
			"data":  ref{Type: vfs.Doctype, ID: f.DirID},
		}
	}
	if len(f.ReferencedBy) > 0 {
		o.Relationships["referenced_by"] = map[string]any{
			"links": map[string]any{"self": "/files/" + f.ID + "/relationships/references"},
			"data":  f.ReferencedBy,
		}
	}
	if len(f.NotSynchronizedOn) > 0 {
		o.Relationships["not_synchronized_on"] = map[string]any{
			"links": map[string]any{"self": "/files/" + f.ID + "/relationships/not_synchronized_on"},
			"data":  f.NotSynchronizedOn,
		}
	}
	return o
}

// toObjects converts a list; paths (directory id to path) give files
// their path, as upstream's _find and _all_docs do.
func toObjects(key []byte, list []*vfs.File, paths map[string]string) []jsonapi.Object {
	out := make([]jsonapi.Object, 0, len(list))
	for _, f := range list {
		if p, ok := paths[f.DirID]; ok && !f.IsDir() {
			g := *f
			g.Path = path.Join(p, f.Name)
			f = &g
		}
		out = append(out, toObject(key, f))
	}
	return out
}

// dirDocument is a directory with one page of its children.
func dirDocument(key []byte, d *vfs.File, kids []*vfs.File, next string) jsonapi.Document {
	o := toObject(key, d)
	data := make([]ref, 0, len(kids))
	for _, k := range kids {
		data = append(data, ref{Type: vfs.Doctype, ID: k.ID})
	}
	o.Relationships["contents"] = map[string]any{"data": data}
	doc := jsonapi.Document{Data: o, Included: toObjects(key, kids, nil)}
	if next != "" {
		doc.Links = map[string]any{"next": "/files/" + d.ID + "?page[cursor]=" + url.QueryEscape(next)}
	}
	return doc
}

// writeList writes a page of files with a next link from base.
func writeList(c *gin.Context, key []byte, base string, list []*vfs.File, next string) error {
	if next != "" {
		next = base + "?page[cursor]=" + url.QueryEscape(next)
	}
	return jsonapi.List(c, http.StatusOK, toObjects(key, list, nil), len(list), next)
}
