// Package sharing reads the sharings of an instance (io.cozy.sharings)
// and the documents they share (io.cozy.shared), for the listing routes
// the apps call on every page: the sharings of a doctype, the shared
// drives. It writes nothing.
//
// Limits: the box does not create, accept or synchronise sharings (no
// sharing protocol with other instances yet), so on a box the lists are
// those of the documents present in the store, usually none: the answers
// are the ones upstream gives to an instance without sharings.
package sharing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// Doctypes of the sharings and of their shared documents.
const (
	Doctype       = "io.cozy.sharings"
	SharedDoctype = "io.cozy.shared"
)

// Rule is one rule of a sharing: which documents of which doctype.
type Rule struct {
	Title   string   `json:"title,omitempty"`
	Doctype string   `json:"doctype"`
	Values  []string `json:"values,omitempty"`
}

// Sharing is a sharing document.
type Sharing struct {
	ID  string
	Rev string
	// Attributes are the document's members but its id, revision and
	// the members' credentials (secrets of the exchanges between
	// instances, never sent to an app).
	Attributes map[string]any
	Rules      []Rule
	Drive      bool
	Active     bool
}

// SharedDoc is one document a sharing shares.
type SharedDoc struct {
	Doctype string
	ID      string
}

// Store gives an instance's document store; *instance.Manager is one.
type Store interface {
	DB(doctype string) store.DB
}

// List returns the sharings for which keep is true, by id.
func List(ctx context.Context, st Store, keep func(*Sharing) bool) ([]*Sharing, error) {
	res, err := st.DB(Doctype).AllDocs(ctx, store.AllDocsOptions{IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sharing: list: %w", err)
	}
	var out []*Sharing
	for _, row := range res.Rows {
		if row.Doc == nil {
			continue
		}
		s, err := parse(row.Doc)
		if err != nil {
			continue // not a sharing document: not listed
		}
		if keep(s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func parse(raw json.RawMessage) (*Sharing, error) {
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, err
	}
	var typed struct {
		ID     string `json:"_id"`
		Rev    string `json:"_rev"`
		Rules  []Rule `json:"rules"`
		Drive  bool   `json:"drive"`
		Active bool   `json:"active"`
	}
	if err := json.Unmarshal(raw, &typed); err != nil {
		return nil, err
	}
	delete(attrs, "_id")
	delete(attrs, "_rev")
	delete(attrs, "credentials")
	if members, ok := attrs["members"].([]any); ok {
		for _, m := range members {
			if mm, ok := m.(map[string]any); ok {
				delete(mm, "credentials")
			}
		}
	}
	return &Sharing{ID: typed.ID, Rev: typed.Rev, Attributes: attrs, Rules: typed.Rules, Drive: typed.Drive, Active: typed.Active}, nil
}

// HasDoctype reports whether a rule of s is on doctype.
func (s *Sharing) HasDoctype(doctype string) bool {
	for _, r := range s.Rules {
		if r.Doctype == doctype {
			return true
		}
	}
	return false
}

// SharedDocs returns, for each of the sharings ids, the documents it
// shares: the io.cozy.shared documents ("<doctype>/<id>") whose infos name
// the sharing.
func SharedDocs(ctx context.Context, st Store, ids []string) (map[string][]SharedDoc, error) {
	out := map[string][]SharedDoc{}
	if len(ids) == 0 {
		return out, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	res, err := st.DB(SharedDoctype).AllDocs(ctx, store.AllDocsOptions{IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true})
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sharing: shared documents: %w", err)
	}
	for _, row := range res.Rows {
		if row.Doc == nil {
			continue
		}
		var d struct {
			Infos map[string]struct {
				Removed bool `json:"removed"`
			} `json:"infos"`
		}
		if json.Unmarshal(row.Doc, &d) != nil {
			continue
		}
		doctype, id, ok := strings.Cut(row.ID, "/")
		if !ok {
			continue
		}
		for sid, info := range d.Infos {
			if want[sid] && !info.Removed {
				out[sid] = append(out[sid], SharedDoc{Doctype: doctype, ID: id})
			}
		}
	}
	for _, docs := range out {
		sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	}
	return out, nil
}
