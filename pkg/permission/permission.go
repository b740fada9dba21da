package permission

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrForbidden is wrapped when a permission does not allow a request.
var ErrForbidden = errors.New("forbidden")

// Type says who holds a permission, as upstream's io.cozy.permissions "type".
type Type string

// The kinds of permission holders.
const (
	TypeApp           Type = "app"
	TypeKonnector     Type = "konnector"
	TypeOAuth         Type = "oauth"
	TypeCLI           Type = "cli"
	TypeShareByLink   Type = "share"
	TypeSharePreview  Type = "share-preview"
	TypeShareInteract Type = "share-interact"
	TypeRegister      Type = "register"
)

// Permission is a set of rules and who holds it: the io.cozy.permissions
// document of upstream, and the resolved permission of a request.
type Permission struct {
	ID         string            `json:"_id,omitempty"`
	Rev        string            `json:"_rev,omitempty"`
	Type       Type              `json:"type"`
	SourceID   string            `json:"source_id,omitempty"`
	Rules      Set               `json:"permissions"`
	ExpiresAt  *time.Time        `json:"expires_at,omitempty"`
	Codes      map[string]string `json:"codes,omitempty"`
	ShortCodes map[string]string `json:"shortcodes,omitempty"`
	CreatedAt  time.Time         `json:"created_at,omitzero"`
	UpdatedAt  time.Time         `json:"updated_at,omitzero"`
}

// Expired reports whether the permission has an expiry that is past.
func (p *Permission) Expired(now time.Time) bool {
	return p.ExpiresAt != nil && !now.Before(*p.ExpiresAt)
}

// Doc is what a rule with values needs to know of a document.
type Doc interface {
	// DocID is the document's id.
	DocID() string
	// FieldValues returns the values of a field, as strings; a field holding
	// a list gives every element.
	FieldValues(field string) []string
}

// Nested is a document that sits inside others, such as a file in its
// directories: a rule whose values name an ancestor covers the document.
type Nested interface {
	Doc
	// AncestorIDs lists the ids of the documents that contain this one.
	AncestorIDs() []string
}

// Allow reports whether the permission allows verb v on every document of
// doctype, as listing a whole doctype or creating in it needs.
func (p *Permission) Allow(v Verb, doctype string) error {
	for _, r := range p.Rules {
		if r.MatchesType(doctype) && r.Verbs.Contains(v) && r.IsWhole() {
			return nil
		}
	}
	return p.deny(v, doctype, "")
}

// AllowSome reports whether the permission allows verb v on at least some
// documents of doctype; the caller filters what it returns.
func (p *Permission) AllowSome(v Verb, doctype string) error {
	for _, r := range p.Rules {
		if r.MatchesType(doctype) && r.Verbs.Contains(v) {
			return nil
		}
	}
	return p.deny(v, doctype, "")
}

// AllowID reports whether the permission allows verb v on the document id
// of doctype, when nothing else is known of the document: rules with a
// selector cannot be decided by id alone and do not allow.
func (p *Permission) AllowID(v Verb, doctype, id string) error {
	for _, r := range p.Rules {
		if !r.MatchesType(doctype) || !r.Verbs.Contains(v) {
			continue
		}
		if r.IsWhole() || (r.Selector == "" && slices.Contains(r.Values, id)) {
			return nil
		}
	}
	return p.deny(v, doctype, id)
}

// AllowDoc reports whether the permission allows verb v on doc, a document
// of doctype, deciding rules with values by id, by ancestor, or by the
// selector's field.
func (p *Permission) AllowDoc(v Verb, doctype string, doc Doc) error {
	for _, r := range p.Rules {
		if !r.MatchesType(doctype) || !r.Verbs.Contains(v) {
			continue
		}
		if r.IsWhole() || ruleMatchesDoc(r, doc) {
			return nil
		}
	}
	return p.deny(v, doctype, doc.DocID())
}

func ruleMatchesDoc(r Rule, doc Doc) bool {
	if r.Selector == "" || r.Selector == "_id" {
		if slices.Contains(r.Values, doc.DocID()) {
			return true
		}
		if nested, ok := doc.(Nested); ok {
			for _, a := range nested.AncestorIDs() {
				if slices.Contains(r.Values, a) {
					return true
				}
			}
		}
		return false
	}
	for _, fv := range doc.FieldValues(r.Selector) {
		if slices.Contains(r.Values, fv) {
			return true
		}
	}
	return false
}

func (p *Permission) deny(v Verb, doctype, id string) error {
	what := doctype
	if id != "" {
		what += "/" + id
	}
	return fmt.Errorf("%w: %s on %s is not allowed to %s", ErrForbidden, v, what, p.holder())
}

func (p *Permission) holder() string {
	if p.SourceID != "" {
		return string(p.Type) + " " + p.SourceID
	}
	return string(p.Type) + " token"
}

// MapDoc adapts a decoded JSON document to Doc, reading dotted field paths.
type MapDoc map[string]any

// DocID returns the "_id" field.
func (m MapDoc) DocID() string {
	id, _ := m["_id"].(string)
	return id
}

// FieldValues reads a dotted path such as "relationships.parent.id" and
// returns its value as strings (every element for a list of scalars).
func (m MapDoc) FieldValues(field string) []string {
	var cur any = map[string]any(m)
	for _, part := range strings.Split(field, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[part]
	}
	switch v := cur.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := scalarString(e); ok {
				out = append(out, s)
			}
		}
		return out
	default:
		if s, ok := scalarString(v); ok {
			return []string{s}
		}
	}
	return nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return fmt.Sprint(x), true
	case fmt.Stringer: // json.Number
		return x.String(), true
	case float64:
		return fmt.Sprint(x), true
	}
	return "", false
}
