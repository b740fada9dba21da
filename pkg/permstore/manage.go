package permstore

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
)

// MayManage tells whether the permission cur may use verb v on the stored
// permission doc: with io.cozy.permissions on it, as the share's creator
// (same source), or holding every rule the share hands out. A share token
// only reads its own permission.
func MayManage(cur, doc *permission.Permission, v permission.Verb) error {
	if cur.AllowID(v, Doctype, doc.ID) == nil {
		return nil
	}
	if IsShare(cur.Type) {
		if v == permission.GET && cur.ID == doc.ID {
			return nil
		}
		return fmt.Errorf("%w: a share token cannot manage permissions", permission.ErrForbidden)
	}
	if cur.SourceID != "" && cur.SourceID == doc.SourceID && IsShare(doc.Type) {
		return nil
	}
	if IsShare(doc.Type) && Covers(cur.Rules, doc.Rules) == nil {
		return nil
	}
	return fmt.Errorf("%w: this token may not %s permission %s", permission.ErrForbidden, v, doc.ID)
}

// Patch is a change to a share permission.
type Patch struct {
	// Add are rules added, replacing the rules of the same title; they
	// must be covered by the patching token's rules.
	Add permission.Set
	// Remove are the titles of rules removed.
	Remove []string
	// Codes, when not nil, are the code names kept: the others are revoked.
	Codes map[string]string
	// SetExpiry changes the expiry to ExpiresAt (nil: never).
	SetExpiry bool
	ExpiresAt *time.Time
}

// Apply changes doc as patch says, on behalf of cur. Rules without a title
// get "rule<index>", so that they can be named in a later patch.
func (patch Patch) Apply(cur, doc *permission.Permission) error {
	if err := Covers(cur.Rules, patch.Add); err != nil {
		return err
	}
	rules := make(permission.Set, 0, len(doc.Rules)+len(patch.Add))
	for i, r := range doc.Rules {
		if r.Title == "" {
			r.Title = "rule" + strconv.Itoa(i)
		}
		if !slices.Contains(patch.Remove, r.Title) && !hasTitle(patch.Add, r.Title) {
			rules = append(rules, r)
		}
	}
	rules = append(rules, patch.Add...)
	if len(rules) == 0 {
		return fmt.Errorf("%w: a permission cannot be left without rules", ErrInvalid)
	}
	doc.Rules = rules
	if patch.Codes != nil {
		for name := range doc.Codes {
			if _, keep := patch.Codes[name]; !keep {
				delete(doc.Codes, name)
				delete(doc.ShortCodes, name)
			}
		}
	}
	if patch.SetExpiry {
		doc.ExpiresAt = patch.ExpiresAt
	}
	return nil
}

func hasTitle(set permission.Set, title string) bool {
	return slices.ContainsFunc(set, func(r permission.Rule) bool { return r.Title == title })
}

// SharedVerbs returns the verbs the shares allow on the document id of
// doctype through rules naming it by id (0: not shared).
func SharedVerbs(shares []*permission.Permission, doctype, id string) permission.VerbSet {
	var verbs permission.VerbSet
	for _, p := range shares {
		for _, r := range p.Rules {
			if r.MatchesType(doctype) && (r.Selector == "" || r.Selector == "_id") && slices.Contains(r.Values, id) {
				if r.Verbs == 0 {
					verbs = permission.ALL
				}
				verbs |= r.Verbs
			}
		}
	}
	return verbs
}

// OnDoctype keeps the shares with a rule on doctype.
func OnDoctype(shares []*permission.Permission, doctype string) []*permission.Permission {
	var out []*permission.Permission
	for _, p := range shares {
		if slices.ContainsFunc(p.Rules, func(r permission.Rule) bool { return r.MatchesType(doctype) }) {
			out = append(out, p)
		}
	}
	return out
}
