package files

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/gin-gonic/gin"
)

const jsonAPI = "application/vnd.api+json"

type ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type object struct {
	Type          string         `json:"type"`
	ID            string         `json:"id"`
	Meta          map[string]any `json:"meta"`
	Attributes    *attributes    `json:"attributes"`
	Relationships map[string]any `json:"relationships,omitempty"`
	Links         map[string]any `json:"links"`
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

// toObject renders a file or directory as a JSON:API resource.
func toObject(c *gin.Context, f *vfs.File) (object, error) {
	attrs := &attributes{File: f, Path: f.Path}
	o := object{
		Type: vfs.Doctype, ID: f.ID, Meta: map[string]any{"rev": f.Rev}, Attributes: attrs,
		Links: map[string]any{"self": "/files/" + f.ID}, Relationships: map[string]any{},
	}
	if f.Trashed && f.DirID == vfs.TrashID {
		o.Links["self"] = "/files/trash/" + f.ID
	}
	if !f.IsDir() {
		o.Links["related"] = "/files/download/" + f.ID
		thumbLinks(c, f, o.Links)
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
	return o, nil
}

func writeJSON(c *gin.Context, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(code, jsonAPI, body)
}

// renderOne writes one resource.
func renderOne(c *gin.Context, code int, f *vfs.File) {
	o, err := toObject(c, f)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, code, gin.H{"data": o})
}

// renderDir writes a directory with one page of its children.
func renderDir(c *gin.Context, d *vfs.File, kids []*vfs.File, next string) {
	o, err := toObject(c, d)
	if err != nil {
		fail(c, err)
		return
	}
	data := make([]ref, 0, len(kids))
	included := make([]object, 0, len(kids))
	for _, k := range kids {
		ko, err := toObject(c, k)
		if err != nil {
			fail(c, err)
			return
		}
		data = append(data, ref{Type: vfs.Doctype, ID: k.ID})
		included = append(included, ko)
	}
	o.Relationships["contents"] = map[string]any{"data": data}
	doc := gin.H{"data": o, "included": included}
	if next != "" {
		doc["links"] = gin.H{"next": "/files/" + d.ID + "?page[cursor]=" + url.QueryEscape(next)}
	}
	writeJSON(c, http.StatusOK, doc)
}

// renderList writes a list of resources with an optional next link.
func renderList(c *gin.Context, base string, list []*vfs.File, next string) {
	data := make([]object, 0, len(list))
	for _, f := range list {
		o, err := toObject(c, f)
		if err != nil {
			fail(c, err)
			return
		}
		data = append(data, o)
	}
	doc := gin.H{"data": data, "meta": gin.H{"count": len(data)}}
	if next != "" {
		doc["links"] = gin.H{"next": base + "?page[cursor]=" + url.QueryEscape(next)}
	}
	writeJSON(c, http.StatusOK, doc)
}
